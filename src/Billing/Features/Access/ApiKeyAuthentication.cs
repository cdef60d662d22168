using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Billing.Features.Access;

/// <summary>
/// Authenticates a machine caller by the key in <c>X-Api-Key</c> (or <c>Authorization: ApiKey …</c>). The identity is
/// named <c>key:{name}</c> and holds the key's roles. A request without a key is not this scheme's to answer.
/// </summary>
public sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiKeys keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    public static string? KeyOf(HttpRequest request)
    {
        if (request.Headers.TryGetValue(ApiKeys.Header, out var header) && header.Count == 1)
            return header[0];
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase) ? authorization["ApiKey ".Length..].Trim() : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (KeyOf(Request) is not { Length: > 0 } key)
            return AuthenticateResult.NoResult();
        if (await keys.Find(key, Context.RequestAborted) is not { } holder)
            return AuthenticateResult.Fail("The API key is unknown or revoked.");

        var identity = Actor.Identity($"key:{holder.Name}", Actor.ApiKeyKind, holder.Roles, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
