using System.Globalization;
using System.Security.Claims;
using Billing.Features.Access;
using Billing.Features.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Billing.Features.Dashboard.Pages;

public sealed class LoginModel(StaffUsers users, AuditTrail audit) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Username { get; set; }

    public string? Problem { get; set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPost(string? username, string? password, CancellationToken ct)
    {
        Username = username;
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password))
        {
            Problem = "Wrong username or password.";
            return Page();
        }

        var result = await users.SignIn(username, password, ct);
        // The audit names the username as typed for a failure (there may be no such user), the user's own for a login.
        var typed = new Actor(username.Trim().ToLowerInvariant(), Actor.UserKind);
        switch (result.Outcome)
        {
            case SignInOutcome.SignedIn:
                var user = result.User!;
                await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(SessionCheck.Identity(user)));
                await audit.Record(new AuditEntry(new Actor(user.Username, Actor.UserKind), "login", "staff_user", user.Username), ct);
                return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : DashboardRegistration.Home);
            case SignInOutcome.LockedOut:
                await audit.Record(new AuditEntry(typed, "login.locked_out", "staff_user", typed.Name,
                    After: new { lockedUntil = result.LockedUntil }), ct);
                Problem = $"Locked until {result.LockedUntil:yyyy-MM-dd HH:mm} UTC after too many wrong passwords.";
                break;
            default:
                await audit.Record(new AuditEntry(typed, "login.failed", "staff_user", typed.Name), ct);
                Problem = "Wrong username or password.";
                break;
        }
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Page();
    }
}
