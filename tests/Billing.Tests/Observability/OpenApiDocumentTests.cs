using System.Net;
using System.Text.Json;
using Billing.Features.Access;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Observability;

public class OpenApiDocumentTests(ApiOnlyStack api) : IClassFixture<ApiOnlyStack>
{
    /// <summary>
    /// Walks the app's own endpoint table, so an endpoint added without a documented success (a Produces&lt;T&gt; or a
    /// line in SuccessResponsesFilter) fails here. Leaves out what is not the API: the probes and the scrape (excluded
    /// from the document on purpose) and the pages people open in a browser.
    /// </summary>
    [Fact]
    public async Task Every_api_endpoint_is_in_the_document_with_a_success_shape_and_asks_for_the_api_key()
    {
        var document = await Document();
        var paths = document.GetProperty("paths");

        var endpoints = api.Stack.ApiServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>() is { HttpMethods.Count: > 0 })
            .Where(e => !IsPage("/" + e.RoutePattern.RawText!.TrimStart('/')))
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Select(m => (Method: m, Path: PathOf(e.RoutePattern))))
            .Distinct()
            .ToList();
        endpoints.Count.ShouldBeGreaterThan(20, "the API's endpoints (refunds, runs, repayments, statements…)");

        var missing = new List<string>();
        foreach (var (method, path) in endpoints)
        {
            if (!paths.TryGetProperty(path, out var item) || !item.TryGetProperty(method.ToLowerInvariant(), out var operation))
            {
                missing.Add($"{method} {path}: not in the document");
                continue;
            }
            var responses = operation.GetProperty("responses").EnumerateObject().ToList();
            var successes = responses.Where(r => r.Name.StartsWith('2') || r.Name.StartsWith('3')).ToList();
            if (successes.Count == 0)
                missing.Add($"{method} {path}: no success response");
            else if (successes.Where(r => r.Name.StartsWith('2')).Any(r => !HasSchema(r.Value)))
                missing.Add($"{method} {path}: a 2xx answer without a body schema");
            if (!responses.Any(r => r.Name == "500" && HasSchema(r.Value)))
                missing.Add($"{method} {path}: no problem response");
        }
        missing.ShouldBeEmpty();

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        scheme.GetProperty("type").GetString().ShouldBe("apiKey");
        scheme.GetProperty("in").GetString().ShouldBe("header");
        scheme.GetProperty("name").GetString().ShouldBe(ApiKeys.Header);
        paths.GetProperty("/refunds").GetProperty("post").GetProperty("security")[0].TryGetProperty("ApiKey", out _).ShouldBeTrue();
        // Stripe signs its webhook; it sends no key.
        paths.GetProperty("/webhooks/stripe").GetProperty("post").GetProperty("security").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task The_main_bodies_carry_examples_and_the_document_names_itself()
    {
        var document = await Document();

        document.GetProperty("info").GetProperty("title").GetString().ShouldBe("Billing API");
        document.GetProperty("info").GetProperty("description").GetString().ShouldNotBeNullOrWhiteSpace();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var body in new[] { "RefundRequestBody", "RepaymentBody", "StartRunBody", "ResolveBody", "CancelBody", "BulkRetryBody" })
            schemas.GetProperty(body).TryGetProperty("example", out _).ShouldBeTrue($"{body} has an example");
        schemas.GetProperty("RefundRequestBody").GetProperty("example").GetProperty("currency").GetString().ShouldBe("SEK");
    }

    [Fact]
    public async Task The_document_and_its_ui_are_open_without_a_key()
    {
        var anonymous = api.Stack.AnonymousClient();

        using var document = await anonymous.GetAsync("/swagger/v1/swagger.json");
        document.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var ui = await anonymous.GetAsync("/swagger/index.html");
        ui.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ui.Content.ReadAsStringAsync()).ShouldContain("swagger-ui");
    }

    async Task<JsonElement> Document()
    {
        using var response = await api.Stack.AnonymousClient().GetAsync("/swagger/v1/swagger.json");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    static bool HasSchema(JsonElement response) =>
        response.TryGetProperty("content", out var content) && content.EnumerateObject().Any(c => c.Value.TryGetProperty("schema", out _));

    /// <summary>The route as the document writes it: leading slash, no trailing one, parameters without constraints.</summary>
    static string PathOf(Microsoft.AspNetCore.Routing.Patterns.RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart l => l.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart r => $"{{{r.Name}}}",
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart s => s.Content,
            _ => "",
        }))));

    static bool IsPage(string path) => AccessRegistration.IsPage(new DefaultHttpContext { Request = { Path = path } }.Request)
        || path.StartsWith("/logout", StringComparison.Ordinal) || path.StartsWith("/denied", StringComparison.Ordinal);
}
