using System.Collections;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Billing.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Security;

/// <summary>
/// Sends every endpoint in the API's table input it must refuse — broken JSON, wrong JSON types, missing fields,
/// absurd values, unknown names, bad route values, an oversized body, the wrong content type — with a key holding every
/// role, so access is not what refuses it. Each answer must be a 4xx problem (never a 500, never a stack trace; a dashboard
/// page answers a browser with the dashboard's own HTML page instead of problem JSON), and no
/// table may gain or lose a row. The cases come from the endpoint's own parameters (the OpenAPI description), so a new
/// endpoint is fuzzed without being listed here.
/// </summary>
public sealed class MalformedInputTests
{
    const int LongText = 10_000;
    // Kestrel refuses a request line over 8 KB before the app sees it (414, no problem body), so route and query values stay below.
    const int LongUrlText = 3_000;
    const int Oversized = 5 * 1024 * 1024;

    /// <summary>Endpoints that read their body by hand, without a declared body parameter.</summary>
    static readonly HashSet<string> ReadsBodyByHand = ["POST /webhooks/stripe"];

    /// <summary>Parameters that take one of a few names; anything else is refused, not searched for.</summary>
    static readonly HashSet<string> Named = ["status", "method", "step", "channel", "currency"];

    /// <summary>A request the endpoint must refuse; lenient ones (a long search term) may also find nothing, but never fail.</summary>
    sealed record Case(TableEndpoint Endpoint, string What, Func<HttpRequestMessage> Request, bool Lenient = false, int? Expected = null);

    [Fact]
    public async Task Malformed_oversized_and_wrongly_typed_input_to_every_endpoint_gets_a_4xx_problem_and_changes_nothing()
    {
        // A refund that got past validation would wait for a saga that is not running: short, so it shows as a 503, not a hang.
        await using var stack = await ServiceStack.Start(new Dictionary<string, string>
        {
            ["Refunds__IntakeTimeout"] = "00:00:03",
            // Unset, the webhook answers 503 (a setting missing), before it reads anything.
            ["Refunds__Webhooks__Stripe__Secret"] = "whsec_malformed_input_tests",
        }, workers: 0);
        var endpoints = TableEndpoint.Of(stack);
        var descriptions = stack.ApiServices.GetRequiredService<IApiDescriptionGroupCollectionProvider>().ApiDescriptionGroups.Items
            .SelectMany(g => g.Items)
            .ToDictionary(d => $"{d.HttpMethod} /{d.RelativePath}", StringComparer.OrdinalIgnoreCase);

        var cases = endpoints.SelectMany(e => CasesFor(e, descriptions.GetValueOrDefault($"{e.Method} {WithoutConstraints(e.Route)}"))).ToList();
        cases.Count.ShouldBeGreaterThan(200, "the endpoints' parameters should give many cases");
        var before = await RowCounts.Snapshot(stack);

        var failures = new List<string>();
        foreach (var @case in cases)
        {
            using var request = @case.Request();
            // Intake's header, so its absence is not what refuses a case about something else.
            if (!request.Headers.Contains("Idempotency-Key"))
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            HttpResponseMessage response;
            try
            {
                response = await stack.Api.SendAsync(request);
            }
            catch (HttpRequestException e)
            {
                failures.Add($"{@case.Endpoint} {@case.What}: no answer ({e.Message})");
                continue;
            }
            using var _ = response;
            var status = (int)response.StatusCode;
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var body = await response.Content.ReadAsStringAsync();
            var problem = status switch
            {
                >= 500 => "a server error",
                _ when body.Contains("   at ", StringComparison.Ordinal) || body.Contains("Exception", StringComparison.Ordinal) => "a stack trace",
                >= 400 when mediaType != "application/problem+json" && !(@case.Endpoint.IsPage && mediaType == "text/html")
                    => $"{mediaType ?? "no body"}, not a problem",
                _ when @case.Expected is { } expected && status != expected => $"not {expected}",
                >= 400 => null,
                _ when @case.Lenient && status is >= 200 and < 300 => null,
                _ => "not refused",
            };
            if (problem is not null)
                failures.Add($"{@case.Endpoint} {@case.What}: {status} {problem} {Excerpt(body)}");
        }

        var changed = RowCounts.Changes(before, await RowCounts.Snapshot(stack));
        failures.AddRange(changed.Select(c => $"malformed input changed a table: {c}"));
        failures.ShouldBeEmpty($"of {cases.Count} cases on {endpoints.Count} endpoints:\n" + string.Join('\n', failures));
    }

    static IEnumerable<Case> CasesFor(TableEndpoint endpoint, ApiDescription? description)
    {
        var parameters = description?.ParameterDescriptions ?? [];

        foreach (var route in endpoint.Pattern.Parameters)
        {
            var isGuid = route.ParameterPolicies.Any(p => p.Content == "guid");
            var values = isGuid ? new[] { "not-a-guid", "00000000-0000-0000-0000-00000000000g" } : [new string('x', LongUrlText), "fax", "%00"];
            foreach (var value in values)
                yield return new(endpoint, $"with route {route.Name}={Short(value)}",
                    () => new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Path(new Dictionary<string, string> { [route.Name] = value }))
                    { Content = endpoint.HasBody ? Json("{}") : null });
        }

        foreach (var query in parameters.Where(p => p.Source == BindingSource.Query))
            foreach (var (value, lenient) in BadQueryValues(query))
                yield return new(endpoint, $"with query {query.Name}={Short(value)}",
                    () => new HttpRequestMessage(new HttpMethod(endpoint.Method), $"{endpoint.Path()}?{query.Name}={Uri.EscapeDataString(value)}")
                    { Content = endpoint.HasBody ? Json("{}") : null }, lenient);

        foreach (var header in parameters.Where(p => p.Source == BindingSource.Header))
            yield return new(endpoint, $"with header {header.Name} of {LongText} characters", () =>
            {
                var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Path()) { Content = endpoint.HasBody ? Json("{}") : null };
                request.Headers.TryAddWithoutValidation(header.Name, new string('k', LongText));
                return request;
            });

        var bodyType = parameters.FirstOrDefault(p => p.Source == BindingSource.Body)?.Type
            ?? endpoint.Endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        var readsBody = bodyType is not null || endpoint.Endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is not null
            || ReadsBodyByHand.Contains(endpoint.ToString());
        if (!readsBody)
            yield break;

        Case Body(string what, Func<HttpContent> content) =>
            new(endpoint, what, () => new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Path()) { Content = content() });

        var baseline = bodyType is null ? new Dictionary<string, object?>() : Baseline(bodyType);
        yield return Body("with broken JSON", () => Json("{\"a\": "));
        yield return Body("with a JSON array for the body", () => Json("[]"));
        yield return Body("with a JSON string for the body", () => Json("\"x\""));
        yield return Body("with a JSON number for the body", () => Json("1e400"));
        yield return Body("with no body", () => Json(""));
        yield return Body("with {} (every field missing)", () => Json("{}"));
        yield return Body("as text/plain", () => new StringContent(JsonSerializer.Serialize(baseline), Encoding.UTF8, "text/plain"));
        // Over the API's body limit, unless the endpoint sets a larger one of its own (the account import streams gigabytes).
        var ownLimit = endpoint.Endpoint.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;
        // Expect: 100-continue, as a careful client sends a large body: the refusal comes before the upload, instead of a
        // connection closed under a client still writing.
        yield return new(endpoint, $"with a body of {Oversized / 1024 / 1024} MB", () =>
        {
            var field = baseline.Keys.FirstOrDefault() ?? "a";
            var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Path())
            {
                Content = Json($"{{\"{field}\": \"{new string('x', Oversized)}\"}}"),
            };
            request.Headers.ExpectContinue = true;
            return request;
        }, Expected: ownLimit is null ? StatusCodes.Status413PayloadTooLarge : null);

        if (bodyType is null)
            yield break;
        foreach (var property in Properties(bodyType))
            foreach (var (what, value) in BadValues(property))
                yield return Body($"with {Camel(property.Name)} {what}", () =>
                {
                    var body = new Dictionary<string, object?>(baseline) { [Camel(property.Name)] = value };
                    return Json(JsonSerializer.Serialize(body));
                });
    }

    static IEnumerable<(string Value, bool Lenient)> BadQueryValues(ApiParameterDescription query)
    {
        var type = Nullable.GetUnderlyingType(query.Type) ?? query.Type;
        if (type == typeof(int) || type == typeof(long) || type == typeof(decimal))
            return [("abc", false), ("-1", false), ("99999999999999999999999", false), ("1.5", type == typeof(decimal))];
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(DateOnly))
            return [("2026-13-45", false), ("yesterday", false), ("2026-12-01T25:61:00Z", false)];
        if (type == typeof(Guid))
            return [("not-a-guid", false)];
        if (type == typeof(bool))
            return [("maybe", false)];
        return Named.Contains(query.Name)
            ? [("fax", false), (new string('x', LongUrlText), false)]
            : [(new string('x', LongUrlText), true), ("%00'; drop table x; --", true)];
    }

    static IEnumerable<(string What, object? Value)> BadValues(PropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (type == typeof(string))
        {
            yield return ("as an object", new { a = 1 });
            yield return ("as a number", 12);
            yield return ($"of {LongText} characters", new string('x', LongText));
            if (Named.Contains(Camel(property.Name)))
                yield return ("'fax'", "fax");
        }
        else if (type == typeof(decimal) || type == typeof(int) || type == typeof(long))
        {
            yield return ("as a string", "abc");
            yield return ("negative", -10);
            yield return ("huge", JsonDocument.Parse("79228162514264337593543950336").RootElement);
            yield return ("1e400", JsonDocument.Parse("1e400").RootElement);
        }
        else if (type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(DateOnly))
        {
            yield return ("'2026-13-45'", "2026-13-45");
            yield return ("as a number", 20261201);
            // A statement date; a filter's window may end there and find nothing.
            if (type == typeof(DateOnly))
                yield return ("'9999-12-31'", "9999-12-31");
        }
        else if (type == typeof(bool))
        {
            yield return ("as a string", "maybe");
        }
        else if (typeof(IEnumerable).IsAssignableFrom(type))
        {
            yield return ("as a string", "abc");
            yield return ("as an object", new { a = 1 });
            yield return ("holding a number", new[] { 1 });
        }
    }

    /// <summary>A body of plausible values, so each case gets one field wrong and the rest could pass.</summary>
    static Dictionary<string, object?> Baseline(Type type) =>
        Properties(type).ToDictionary(p => Camel(p.Name), p => Plausible(p));

    static object? Plausible(PropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return Camel(property.Name) switch
        {
            "currency" => "SEK",
            "method" => "card",
            "accountId" => "ACC-1",
            "statementDate" => "2026-12-01",
            "paidElsewhere" => true,
            _ when type == typeof(string) => "plausible",
            _ when type == typeof(decimal) || type == typeof(int) || type == typeof(long) => 10,
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => DateTimeOffset.UtcNow.AddHours(-1),
            _ when type == typeof(DateOnly) => "2026-12-01",
            _ when type == typeof(bool) => true,
            _ when typeof(IEnumerable).IsAssignableFrom(type) => Array.Empty<object>(),
            _ => null,
        };
    }

    static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0);

    static string WithoutConstraints(string route) => Regex.Replace(route, @"\{([^:}=?]+)[^}]*\}", "{$1}");

    static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    static string Camel(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);

    static string Short(string value) => value.Length > 40 ? $"<{value.Length} characters>" : value;

    static string Excerpt(string body) => body.Length > 300 ? body[..300] + "…" : body;
}
