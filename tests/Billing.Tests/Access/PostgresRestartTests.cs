using System.Net;
using Billing.Tests.Support;

namespace Billing.Tests.Access;

/// <summary>
/// The API under a Postgres restart: every pooled connection it held dies with the server (57P01), and the API-key
/// lookup every request starts with ran on one of them, so the first requests after a restart were 500s. Now the lookup
/// is tried again on a fresh connection, and what still finds the database away is a 503 with Retry-After.
/// </summary>
public sealed class PostgresRestartTests
{
    [Fact]
    public async Task The_first_requests_after_a_Postgres_restart_are_answered_or_refused_with_503_and_Retry_After_never_500()
    {
        await using var stack = await ServiceStack.Start(workers: 0);
        // Several pooled connections, idle when the server goes, each meeting the restart on its next use.
        foreach (var warm in await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => stack.Api.GetAsync("/refunds"))))
            warm.StatusCode.ShouldBe(HttpStatusCode.OK);

        await StackServers.RestartPostgres();

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
            answers.Add(await stack.Api.GetAsync("/refunds"));
        answers.AddRange(await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => stack.Api.GetAsync("/refunds"))));

        var seen = answers.Select(a => $"{(int)a.StatusCode}{(a.Headers.RetryAfter is null ? "" : " Retry-After")}").ToList();
        seen.ShouldAllBe(a => a == "200" || a == "503 Retry-After", string.Join(", ", seen));
        seen.ShouldContain("200", "the API serves again once Postgres is back");
    }
}
