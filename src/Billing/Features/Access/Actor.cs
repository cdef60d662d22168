using System.Security.Claims;

namespace Billing.Features.Access;

/// <summary>
/// Who is acting, as the audit trail and the sagas record it: a person by username, a machine caller as
/// <c>key:{name}</c>. It comes from the authenticated identity only; nothing the caller writes in a body or header
/// names it.
/// </summary>
public sealed record Actor(string Name, string Kind)
{
    public const string KindClaim = "billing:actor_kind";
    public const string UserKind = "user";
    public const string ApiKeyKind = "api_key";
    public const string SystemKind = "system";

    public static Actor System(string name) => new(name, SystemKind);

    public static Actor Of(ClaimsPrincipal principal)
    {
        var name = principal.Identity is { IsAuthenticated: true, Name: { Length: > 0 } n } ? n
            : throw new InvalidOperationException("An action reached its handler without an authenticated identity; the endpoint lacks RequireAuthorization.");
        return new Actor(name, principal.FindFirstValue(KindClaim) ?? UserKind);
    }

    public static ClaimsIdentity Identity(string name, string kind, IEnumerable<string> roles, string authenticationType)
    {
        var identity = new ClaimsIdentity(authenticationType, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, name));
        identity.AddClaim(new Claim(KindClaim, kind));
        foreach (var role in roles)
            identity.AddClaim(new Claim(ClaimTypes.Role, role));
        return identity;
    }
}
