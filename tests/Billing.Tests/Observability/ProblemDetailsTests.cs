using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Features.Observability;

namespace Billing.Tests.Observability;

/// <summary>Errors come back as application/problem+json with the type of their kind, whoever produced them.</summary>
public class ProblemDetailsTests(ApiOnlyStack api) : IClassFixture<ApiOnlyStack>
{
    [Fact]
    public async Task An_unknown_api_path_is_a_not_found_problem_with_a_trace_id()
    {
        using var response = await api.Stack.Api.GetAsync("/refundz/nothing-here");

        var problem = await Problem(response, HttpStatusCode.NotFound);
        problem.GetProperty("type").GetString().ShouldBe(ProblemTypes.NotFound);
        problem.GetProperty("traceId").GetString().ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task A_wrong_method_is_a_method_not_allowed_problem()
    {
        using var response = await api.Stack.Api.DeleteAsync("/refunds");

        (await Problem(response, HttpStatusCode.MethodNotAllowed)).GetProperty("type").GetString().ShouldBe(ProblemTypes.MethodNotAllowed);
    }

    [Fact]
    public async Task A_validation_error_is_a_validation_problem_naming_the_field()
    {
        // A page size past the limit: the handler's own ValidationProblem.
        using var response = await api.Stack.Api.GetAsync("/refunds?pageSize=100000");

        var problem = await Problem(response, HttpStatusCode.BadRequest);
        problem.GetProperty("type").GetString().ShouldBe(ProblemTypes.Validation);
        problem.GetProperty("errors").TryGetProperty("pageSize", out _).ShouldBeTrue(problem.ToString());
    }

    [Fact]
    public async Task A_refusal_that_is_not_about_fields_is_a_not_found_problem_from_the_handler()
    {
        using var response = await api.Stack.Api.GetAsync($"/refunds/{Guid.NewGuid()}");

        var problem = await Problem(response, HttpStatusCode.NotFound);
        problem.GetProperty("type").GetString().ShouldBe(ProblemTypes.NotFound);
        problem.GetProperty("title").GetString().ShouldBe("Refund not found");
    }

    [Fact]
    public async Task A_caller_without_a_key_gets_an_unauthorized_problem()
    {
        using var response = await api.Stack.AnonymousClient().PostAsJsonAsync("/billing/runs", new { statementDate = "2026-11-30" });

        (await Problem(response, HttpStatusCode.Unauthorized)).GetProperty("type").GetString().ShouldBe(ProblemTypes.Unauthorized);
    }

    static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        (response.Content.Headers.ContentType?.MediaType).ShouldBe("application/problem+json", text);
        var problem = JsonDocument.Parse(text).RootElement;
        problem.GetProperty("status").GetInt32().ShouldBe((int)status);
        return problem;
    }
}
