using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Billing.Features.Access;

/// <summary>
/// Nothing is open by default: the fallback policy asks for an authenticated caller on every endpoint and page that
/// names no policy, and the few open ones (health, the login page, Stripe's signed webhooks) say so with
/// AllowAnonymous. People carry a cookie from the login page; machines send an API key. Pages answer a missing login
/// with a redirect to it, the API with a 401 problem.
/// </summary>
public static class AccessRegistration
{
    /// <summary>Picks the API key scheme when the request carries a key, the cookie otherwise.</summary>
    public const string Scheme = "Billing";

    public const string LoginPath = "/login";

    /// <summary>Users, keys and the audit trail, without the web's authentication (for CLI commands).</summary>
    public static IServiceCollection AddAccessStores(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AccessOptions>().Bind(configuration.GetSection(AccessOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<StaffUsers>();
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<Audit.AuditTrail>();
        return services;
    }

    public static IServiceCollection AddAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAccessStores(configuration);
        services.AddHostedService<FirstAdminNotice>();
        services.AddAntiforgery();

        var session = configuration.GetSection(AccessOptions.Section).Get<AccessOptions>()?.Session ?? new AccessOptions().Session;
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "API key or login", o =>
                o.ForwardDefaultSelector = context => ApiKeyAuthentication.KeyOf(context.Request) is not null
                    ? ApiKeyAuthentication.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null)
            .AddCookie(o =>
            {
                o.Cookie.Name = "billing.login";
                o.Cookie.HttpOnly = true;
                // Strict: a form or a script on another site cannot make a logged-in browser act here.
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = session;
                o.SlidingExpiration = true;
                o.LoginPath = LoginPath;
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/denied";
                o.Events.OnValidatePrincipal = SessionCheck.Validate;
                o.Events.OnRedirectToLogin = context => Refuse(context, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = context => Refuse(context, StatusCodes.Status403Forbidden);
            });

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.Staff, p => p.RequireRole(Roles.Staff))
            .AddPolicy(Policies.Support, p => p.RequireRole(Policies.SupportRoles))
            .AddPolicy(Policies.Operator, p => p.RequireRole(Policies.OperatorRoles))
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Intake, p => p.AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName).RequireRole(Roles.Intake));
        return services;
    }

    public static WebApplication UseAccess(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    /// <summary>A person in a browser is sent to the login page; an API caller gets a problem it can read.</summary>
    static Task Refuse(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (IsPage(context.Request))
        {
            context.Response.Redirect(context.RedirectUri);
            return Task.CompletedTask;
        }
        context.Response.StatusCode = status;
        return context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new()
        {
            HttpContext = context.HttpContext,
            ProblemDetails =
            {
                Status = status,
                Title = status == StatusCodes.Status401Unauthorized
                    ? "Log in or send an API key (X-Api-Key)."
                    : "Your roles do not allow this.",
            },
        }).AsTask();
    }

    /// <summary>The dashboard's pages and Hangfire's; everything else is the API.</summary>
    public static bool IsPage(HttpRequest request) =>
        request.Path.StartsWithSegments("/dashboard") || request.Path.StartsWithSegments("/hangfire") || request.Path == "/"
        || request.Path.StartsWithSegments(LoginPath) || request.Path.StartsWithSegments("/logout") || request.Path.StartsWithSegments("/denied");
}
