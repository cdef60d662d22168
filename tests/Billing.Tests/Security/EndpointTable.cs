using Billing.Features.Access;
using Billing.Tests.Support;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Security;

/// <summary>One row of the API's endpoint table: a method and a route, with the access it declares.</summary>
public sealed record TableEndpoint(string Method, RoutePattern Pattern, Endpoint Endpoint)
{
    public string Route => "/" + (Pattern.RawText ?? "").TrimStart('/');

    public override string ToString() => $"{Method} {Route}";

    public bool AllowsAnonymous => Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;

    public IReadOnlyList<IAuthorizeData> Authorization => Endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>();

    /// <summary>A path that matches the route: each parameter filled with a plausible value (or <paramref name="overrides"/>).</summary>
    public string Path(IReadOnlyDictionary<string, string>? overrides = null)
    {
        var segments = Pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => Uri.EscapeDataString(
                overrides?.GetValueOrDefault(parameter.Name) ?? PlausibleValue(parameter)),
            _ => throw new InvalidOperationException($"Unknown route part in {this}"),
        })));
        return "/" + string.Join('/', segments);
    }

    public bool IsPage => AccessRegistration.IsPage(new DefaultHttpContext { Request = { Path = Path() } }.Request);

    public bool HasBody => Method is "POST" or "PUT" or "PATCH";

    static string PlausibleValue(RoutePatternParameterPart parameter)
    {
        var constraints = parameter.ParameterPolicies.Select(p => p.Content).ToList();
        if (constraints.Contains("guid"))
            return Guid.NewGuid().ToString();
        if (constraints.Any(c => c is "int" or "long"))
            return "1";
        return parameter.Name.ToLowerInvariant() switch
        {
            "accountid" => "ACC-1",
            "channel" => "sms",
            "code" => new string('A', 32),
            "gatewaypaymentid" => "gw-1",
            _ => "x",
        };
    }

    /// <summary>Every route endpoint the running API serves, one row per HTTP method (GET where the endpoint names none).</summary>
    public static IReadOnlyList<TableEndpoint> Of(ServiceStack stack) =>
        stack.ApiServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } methods ? methods : ["GET"])
                .Select(m => new TableEndpoint(m, e.RoutePattern, e)))
            .OrderBy(e => e.Route, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// The role sets the endpoint's policy accepts (each requirement is one set, all must be met), resolved the way the
    /// authorization middleware does; null when the endpoint names neither a policy nor a role.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyCollection<string>>?> RoleRequirements(ServiceStack stack)
    {
        var named = Authorization.Where(a => !string.IsNullOrEmpty(a.Policy) || !string.IsNullOrEmpty(a.Roles)).ToList();
        if (named.Count == 0)
            return null;
        var provider = stack.ApiServices.GetRequiredService<IAuthorizationPolicyProvider>();
        var policy = await AuthorizationPolicy.CombineAsync(provider, named)
            ?? throw new InvalidOperationException($"{this}: its authorization metadata combines into no policy");
        return policy.Requirements.OfType<RolesAuthorizationRequirement>().Select(r => (IReadOnlyCollection<string>)r.AllowedRoles.ToList()).ToList();
    }
}

/// <summary>Row counts of every table the service owns, to show a refused request changed nothing.</summary>
public static class RowCounts
{
    // Every schema but Postgres's own; access holds the test's keys, made before the first snapshot.
    const string Tables = """
        select table_schema || '.' || table_name from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
        order by 1
        """;

    public static async Task<IReadOnlyDictionary<string, long>> Snapshot(ServiceStack stack)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in await stack.Query(Tables))
            counts[table] = await stack.Count($"select count(*) from {Quoted(table)}");
        return counts;
    }

    /// <summary>"schema.table: before → after" for every table whose count moved.</summary>
    public static IReadOnlyList<string> Changes(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        before.Keys.Union(after.Keys).Order(StringComparer.Ordinal)
            .Where(t => before.GetValueOrDefault(t, -1) != after.GetValueOrDefault(t, -1))
            .Select(t => $"{t}: {before.GetValueOrDefault(t, -1)} → {after.GetValueOrDefault(t, -1)}")
            .ToList();

    static string Quoted(string table) => string.Join('.', table.Split('.', 2).Select(p => "\"" + p.Replace("\"", "\"\"") + "\""));
}
