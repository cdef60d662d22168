using System.Net;
using Billing.Tests.Refunds;
using Npgsql;

namespace Billing.Tests.Scheduling;

public class JobsDashboardTests
{
    [Fact]
    public async Task The_api_serves_hangfires_dashboard_to_staff_only_with_the_recurring_jobs_and_without_the_connection_string()
    {
        await using var refunds = await RefundStack.Start();

        // The worker declares the recurring jobs when it starts; the dashboard lists them by id.
        var recurring = await Support.Eventually.Get("the recurring jobs listed on the dashboard",
            async () => await refunds.Api.GetStringAsync("/hangfire/recurring"),
            page => page.Contains("refund-reconciler") && page.Contains("refund-janitor") && page.Contains("refund-support-digest"));
        using var home = await refunds.Api.GetAsync("/hangfire");

        home.StatusCode.ShouldBe(HttpStatusCode.OK, "the test client holds every role");
        using var anonymous = await refunds.Stack.AnonymousClient().GetAsync("/hangfire");
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Redirect, "a local request without a login is sent to the login page");
        anonymous.Headers.Location!.ToString().ShouldContain("/login");
        var database = new NpgsqlConnectionStringBuilder(refunds.Stack.Ground.ConnectionString).Database!;
        foreach (var page in new[] { recurring, await home.Content.ReadAsStringAsync() })
        {
            page.ShouldNotContain(database, Case.Insensitive, "the storage connection string is not shown");
            page.ShouldNotContain("Password", Case.Insensitive);
        }
    }
}
