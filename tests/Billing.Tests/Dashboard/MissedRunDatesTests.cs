using System.Net;
using Billing.Features.BillingRuns;
using Billing.Tests.BillingRuns;
using Billing.Tests.Support;

namespace Billing.Tests.Dashboard;

/// <summary>The runs page shows a statement date with accounts due and no billing run as a problem an operator can start.</summary>
public class MissedRunDatesTests
{
    const string Password = "correct horse battery";

    [Fact]
    public async Task A_date_with_accounts_due_and_no_run_is_a_problem_row_an_operator_starts_and_support_cannot()
    {
        await using var stack = await BillingStack.Start();
        // Due on today's day of the month since two months ago: last month's date had accounts due and no run.
        await stack.SeedAccounts(3);
        var missed = BillingStack.Today.AddMonths(-1).ToString("yyyy-MM-dd");
        await DashboardBrowser.User(stack.Stack, "olga", Password, "operator");
        await DashboardBrowser.User(stack.Stack, "sam", Password, "support");
        var olga = await LoginForm.LoggedIn(stack.Stack, "olga", Password);

        var page = await olga.GetStringAsync("/dashboard");
        page.ShouldContain($"data-missed-date=\"{missed}\" data-accounts-due=\"3\"");
        page.ShouldNotContain($"data-missed-date=\"{BillingStack.Today:yyyy-MM-dd}\"", customMessage: "today is not missed yet");
        // An account whose statement for the date was imported (billed by the system before this one) was not missed.
        await stack.Execute("""
            insert into billing.statement (statement_id, account_id, statement_date, status, currency, period_start, cutoff, opening_balance,
                purchases, repayments, refunds, fees, interest, adjustments, closing_balance, minimum_due, past_due, due_date, entry_count)
            values (gen_random_uuid(), 'acc-00001', $1, 'imported', 'SEK', $2, $2, 0, 0, 0, 0, 0, 0, 0, 1500, 0, 0, $1::date + 20, 0)
            """, DateOnly.ParseExact(missed, "yyyy-MM-dd"), new DateTimeOffset(DateOnly.ParseExact(missed, "yyyy-MM-dd").ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        (await olga.GetStringAsync("/dashboard")).ShouldContain($"data-missed-date=\"{missed}\" data-accounts-due=\"2\"");

        // Support sees the problem but may not start the run: 403, and no run.
        var sam = await LoginForm.LoggedIn(stack.Stack, "sam", Password);
        using (var refused = await sam.PostAsync("/dashboard/runs?handler=start",
                   await LoginForm.Form(sam, "/dashboard/runs", [new("statementDate", missed)])))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            (await refused.Content.ReadAsStringAsync()).ShouldContain("id=\"problem\"", customMessage: "the dashboard's own page, not problem JSON");
        }
        // A date that cannot be billed is the API's 400 naming the rule; nothing starts.
        using (var future = await olga.PostAsync("/dashboard/runs?handler=start",
                   await LoginForm.Form(olga, "/dashboard/runs", [new("statementDate", BillingStack.Today.AddDays(5).ToString("yyyy-MM-dd"))])))
        {
            future.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await future.Content.ReadAsStringAsync()).ShouldContain("is in the future");
        }
        (await stack.Count("select count(*) from billing.billing_run")).ShouldBe(0);

        // The page asks first, with the number of accounts the run will bill; asking starts nothing.
        using (var asked = await olga.PostAsync("/dashboard/runs?handler=start",
                   await LoginForm.Form(olga, "/dashboard/runs", [new("statementDate", missed)])))
            (await asked.Content.ReadAsStringAsync()).ShouldContain($"Start the billing run for {missed}: bill 2 accounts?");
        (await stack.Count("select count(*) from billing.billing_run")).ShouldBe(0);
        using (var started = await olga.PostAsync("/dashboard/runs?handler=start",
                   await LoginForm.Form(olga, "/dashboard/runs", [new("statementDate", missed), new("confirmed", "2")])))
            started.StatusCode.ShouldBe(HttpStatusCode.Redirect, await started.Content.ReadAsStringAsync());

        var runId = BillingIds.Run(DateOnly.ParseExact(missed, "yyyy-MM-dd"));
        await Eventually.Until("the missed date's run exists", async () => await stack.Count("select count(*) from billing.billing_run where run_id = $1", runId) == 1);
        var after = await olga.GetStringAsync("/dashboard/runs");
        after.ShouldNotContain($"data-missed-date=\"{missed}\"");
        after.ShouldContain($"/dashboard/runs/{runId}");
    }
}
