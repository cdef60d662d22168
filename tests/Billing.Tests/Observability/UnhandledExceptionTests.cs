using System.Net;
using System.Text.Json;
using Billing.Features.Observability;
using Billing.Hosting;
using Billing.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Billing.Tests.Observability;

public class UnhandledExceptionTests
{
    /// <summary>A handler that lets an exception through: the caller gets a 500 problem without its message or stack.</summary>
    [Fact]
    public async Task An_unhandled_exception_is_an_internal_problem_without_the_exception()
    {
        await using var ground = await TestGround.Create();
        await using var app = BillingHost.Api(["--urls", "http://127.0.0.1:0"], configuration =>
            configuration.AddInMemoryCollection(ground.ServiceSettings.ToDictionary(p => p.Key.Replace("__", ":"), p => (string?)p.Value)));
        app.MapGet("/test/boom", string () => throw new InvalidOperationException("secret connection detail")).AllowAnonymous();
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.ListeningAddress()) };

        using var response = await client.GetAsync("/test/boom");

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError, text);
        (response.Content.Headers.ContentType?.MediaType).ShouldBe("application/problem+json", text);
        var problem = JsonDocument.Parse(text).RootElement;
        problem.GetProperty("type").GetString().ShouldBe(ProblemTypes.Internal);
        problem.GetProperty("traceId").GetString().ShouldNotBeNullOrWhiteSpace();
        text.ShouldNotContain("secret connection detail");
        text.ShouldNotContain(nameof(InvalidOperationException));
    }
}
