using Billing.Features.Access;
using Billing.Features.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Billing.Features.Dashboard.Pages;

/// <summary>POST only does it (with the antiforgery token): a link or an image on another page cannot log anyone out.</summary>
public sealed class LogoutModel(AuditTrail audit) : PageModel
{
    public void OnGet() { }

    public async Task<IActionResult> OnPost(CancellationToken ct)
    {
        var actor = Actor.Of(User);
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        await audit.Record(new AuditEntry(actor, "logout", "staff_user", actor.Name), ct);
        return LocalRedirect(AccessRegistration.LoginPath);
    }
}
