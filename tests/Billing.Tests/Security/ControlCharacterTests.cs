using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Billing.Features.Access;
using Billing.Features.Refunds.Webhooks;
using Billing.Tests.Support;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Security;

/// <summary>
/// The one rule for outside text (Hosting/Input/InputText): a control character other than tab, line feed and carriage
/// return in any query value, page filter, form field or JSON field is refused with a 400 naming the field, before
/// anything reaches Postgres (which answers a NUL with 22021, a 500 here until now) or the bus. Cases come from the
/// endpoints' own parameters and the pages' bound properties, so a new endpoint or filter is covered unlisted.
/// </summary>
public sealed class ControlCharacterTests
{
    const string Secret = "whsec_control_characters";

    sealed record Case(string What, string Field, Func<HttpRequestMessage> Request, HttpClient? Client = null);

    [Fact]
    public async Task A_control_character_in_any_query_value_page_filter_form_field_or_body_field_gets_a_400_naming_it_and_changes_nothing()
    {
        await using var stack = await ServiceStack.Start(new Dictionary<string, string>
        {
            // A refund that got past the edge would wait for a saga that is not running: short, so it shows as a 503.
            ["Refunds__IntakeTimeout"] = "00:00:03",
            ["Refunds__Webhooks__Stripe__Secret"] = Secret,
        }, workers: 0);
        await stack.ApiServices.GetRequiredService<StaffUsers>().Save("ada", "Ada", "a long enough password", [.. Roles.All], "tests", CancellationToken.None);
        var browser = await LoginForm.LoggedIn(stack, "ada", "a long enough password");
        var cases = Cases(stack, browser).ToList();
        cases.Count.ShouldBeGreaterThan(60, "every string parameter of every endpoint and page, twice");
        var before = await RowCounts.Snapshot(stack);

        var failures = new List<string>();
        foreach (var @case in cases)
        {
            using var request = @case.Request();
            request.Headers.TryAddWithoutValidation("Idempotency-Key", Guid.NewGuid().ToString());
            HttpResponseMessage response;
            string body;
            try
            {
                response = await (@case.Client ?? stack.Api).SendAsync(request);
                body = await response.Content.ReadAsStringAsync();
            }
            catch (HttpRequestException e)
            {
                // Today's CSV export: 200 and the header row, then the connection breaks off.
                failures.Add($"{@case.What}: no whole answer ({e.Message})");
                continue;
            }
            using var _ = response;
            if (response.StatusCode != HttpStatusCode.BadRequest || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                failures.Add($"{@case.What}: {(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType} {Excerpt(body)}");
            else if (!Errors(body).Contains(@case.Field))
                failures.Add($"{@case.What}: the problem does not name {@case.Field}: {Excerpt(body)}");
        }

        failures.AddRange(RowCounts.Changes(before, await RowCounts.Snapshot(stack)).Select(c => $"a refused request changed a table: {c}"));
        failures.ShouldBeEmpty($"of {cases.Count} cases:\n" + string.Join('\n', failures));
    }

    [Fact]
    public async Task Hostile_requests_leave_no_pooled_connection_that_fails_the_next_caller()
    {
        await using var stack = await ServiceStack.Start(workers: 0);
        var hostile = await stack.ClientWithRoles(Roles.Support);
        var innocent = await stack.ClientWithRoles(Roles.Support);

        // Enough for every pooled connection the requests touch to reach Npgsql's fifth use (where it auto-prepares).
        for (var i = 0; i < 20; i++)
        {
            using var refused = await hostile.GetAsync($"/refunds?paymentId={Uri.EscapeDataString("pi\0" + i)}");
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            using var answer = await innocent.GetAsync($"/refunds?paymentId=pi_{i}");
            answer.StatusCode.ShouldBe(HttpStatusCode.OK, $"the innocent caller's request {i} after a hostile one");
        }
    }

    static IEnumerable<Case> Cases(ServiceStack stack, HttpClient browser)
    {
        var descriptions = stack.ApiServices.GetRequiredService<IApiDescriptionGroupCollectionProvider>().ApiDescriptionGroups.Items
            .SelectMany(g => g.Items).ToList();
        foreach (var description in descriptions)
        {
            var method = new HttpMethod(description.HttpMethod ?? "GET");
            var path = "/" + FilledRoute(description.RelativePath!);
            foreach (var query in description.ParameterDescriptions.Where(p => p.Source == BindingSource.Query && IsText(p.Type)))
                foreach (var value in Hostile)
                    yield return new($"{method} {path}?{query.Name}={Shown(value)}", query.Name,
                        () => new HttpRequestMessage(method, $"{path}?{query.Name}={Uri.EscapeDataString(value)}") { Content = method == HttpMethod.Get ? null : Json("{}") });

            if (description.ParameterDescriptions.FirstOrDefault(p => p.Source == BindingSource.Body)?.Type is not { } bodyType)
                continue;
            foreach (var property in bodyType.GetProperties().Where(p => IsText(p.PropertyType) || p.PropertyType.IsAssignableTo(typeof(IEnumerable<string>))))
            {
                var name = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
                foreach (var value in Hostile)
                {
                    object field = IsText(property.PropertyType) ? value : new[] { "fine", value };
                    yield return new($"{method} {path} with {name} {Shown(value)}", IsText(property.PropertyType) ? name : $"{name}[1]",
                        () => new HttpRequestMessage(method, path) { Content = Json(JsonSerializer.Serialize(new Dictionary<string, object> { [name] = field })) });
                }
            }
        }

        // The dashboard's pages: their filters are properties bound from the query string.
        foreach (var page in stack.ApiServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
                     .Select(e => (Endpoint: e, Descriptor: e.Metadata.GetMetadata<CompiledPageActionDescriptor>())).Where(p => p.Descriptor is not null))
        {
            var path = "/" + FilledRoute(page.Endpoint.RoutePattern.RawText!);
            foreach (var name in QueryProperties(page.Descriptor!.HandlerTypeInfo))
                foreach (var value in Hostile)
                    yield return new($"page {path}?{name}={Shown(value)}", name,
                        () => new HttpRequestMessage(HttpMethod.Get, $"{path}?{name}={Uri.EscapeDataString(value)}"), browser);
        }

        yield return new("the login form's username with a NUL", "username", () => new HttpRequestMessage(HttpMethod.Post, AccessRegistration.LoginPath)
        {
            Content = new FormUrlEncodedContent([new("username", "ada\0"), new("password", "whatever")]),
        }, stack.AnonymousClient());

        // Stripe's webhook reads its body by hand; a signed event is what reaches the database.
        foreach (var (field, json) in new[]
                 {
                     ("id", """{"id":"evt_\u0000","object":"event","type":"refund.updated","created":1,"data":{"object":{"id":"re_1","status":"succeeded"}}}"""),
                     ("type", """{"id":"evt_ok","object":"event","type":"refund.\u0000","created":1,"data":{"object":{"id":"re_1","status":"succeeded"}}}"""),
                     ("data.object.id", """{"id":"evt_ok2","object":"event","type":"refund.failed","created":1,"data":{"object":{"id":"re_\u001b","status":"failed"}}}"""),
                 })
            yield return new($"a signed Stripe event with a control character in {field}", field, () => new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe")
            {
                Content = Json(json),
                Headers = { { "Stripe-Signature", StripeSignature.Sign(json, Secret, DateTimeOffset.UtcNow) } },
            }, stack.AnonymousClient());
    }

    /// <summary>A NUL (which Postgres cannot store) and an escape (which no field has a use for).</summary>
    static readonly string[] Hostile = ["a\0b", "a\u001bb"];

    static IEnumerable<string> QueryProperties(TypeInfo handler) =>
        from property in handler.GetProperties()
        where IsText(property.PropertyType)
        let name = property.GetCustomAttribute<FromQueryAttribute>() is { } query ? query.Name ?? property.Name
            : property.GetCustomAttribute<BindPropertyAttribute>() is { SupportsGet: true } bind ? bind.Name ?? property.Name
            : null
        where name is not null
        select name;

    static bool IsText(Type type) => type == typeof(string);

    static string FilledRoute(string route) => System.Text.RegularExpressions.Regex.Replace(route.TrimStart('/'), @"\{([^:}=?]+)([^}]*)\}",
        m => m.Groups[2].Value.Contains("guid") ? Guid.NewGuid().ToString() : m.Groups[2].Value.Contains("int") || m.Groups[2].Value.Contains("long") ? "1" : "x");

    static HashSet<string> Errors(string body)
    {
        using var problem = JsonDocument.Parse(body);
        return problem.RootElement.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Select(e => e.Name).ToHashSet() : [];
    }

    static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    static string Shown(string value) => value.Replace("\0", "\\0").Replace("\u001b", "\\x1b");

    static string Excerpt(string body) => body.Length > 300 ? body[..300] + "…" : body;
}
