using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Billing.Features.Access;

/// <summary>
/// A login is checked against <c>access.staff_user</c> on every request, so that disabling a user, resetting their
/// password or changing their roles takes effect at their next click, not when the session ends (the cookie slides
/// for as long as it is used). One indexed lookup per dashboard request; API keys are looked up per request already.
/// </summary>
public static class SessionCheck
{
    /// <summary>Stands for the password the session was opened with; a reset changes it and ends the session.</summary>
    public const string StampClaim = "billing:login_stamp";

    /// <summary>The identity a login carries: the user's name, kind, roles and stamp.</summary>
    public static ClaimsIdentity Identity(StaffUser user)
    {
        var identity = Actor.Identity(user.Username, Actor.UserKind, user.Roles, CookieAuthenticationDefaults.AuthenticationScheme);
        identity.AddClaim(new Claim(StampClaim, StampOf(user)));
        return identity;
    }

    /// <summary>The cookie's OnValidatePrincipal.</summary>
    public static async Task Validate(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var user = principal?.Identity?.Name is { Length: > 0 } name
            ? await context.HttpContext.RequestServices.GetRequiredService<StaffUsers>().Find(name, context.HttpContext.RequestAborted)
            : null;
        if (user is null || user.DisabledAt is not null || principal!.FindFirstValue(StampClaim) != StampOf(user))
        {
            // A locked account is not in this list: the lock answers wrong passwords typed by someone, maybe not its owner.
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }

        var held = principal!.FindAll(ClaimTypes.Role).Select(c => c.Value).Order(StringComparer.Ordinal);
        if (!held.SequenceEqual(user.Roles.Order(StringComparer.Ordinal)))
        {
            context.ReplacePrincipal(new ClaimsPrincipal(Identity(user)));
            context.ShouldRenew = true;
        }
    }

    // Not the hash itself: the cookie is encrypted, but what it carries need not help anyone guess the password.
    static string StampOf(StaffUser user) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(user.PasswordHash)))[..16];
}
