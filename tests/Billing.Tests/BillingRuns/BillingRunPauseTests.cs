using System.Net;
using Billing.Features.Access;
using Billing.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.BillingRuns;

/// <summary>An operator pauses a run mid fan-out: it starts no more accounts, and once continued bills each one once.</summary>
public class BillingRunPauseTests
{
    [Theory]
    [InlineData(false, 1000)]
    [InlineData(true, 300)]
    public async Task A_paused_run_starts_no_more_accounts_until_it_is_continued_and_then_bills_every_account_exactly_once(bool delivery, int accounts)
    {
        // Small pages and little room in flight, so the fan-out keeps pace with billing and is still going when paused.
        var (billing, owner) = await BillingStack.Start(delivery, new Dictionary<string, string>
        {
            ["BillingRuns__PageSize"] = "10",
            ["BillingRuns__MaxInFlight"] = "20",
        });
        await using var _ = owner;
        await billing.SeedAccounts(accounts);
        (await billing.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Get("the fan-out under way", () => billing.Run(), v => v is { Published: >= 20 }, describe: BillingStack.Describe);

        var runs = $"/billing/runs/{BillingStack.RunId}";
        var page = $"/dashboard/runs/{BillingStack.RunId}";
        var users = billing.Stack.ApiServices.GetRequiredService<StaffUsers>();
        await users.Save("sven", "Sven", "support's own password", [Roles.Support], "tests", CancellationToken.None);
        await users.Save("olga", "Olga", "operator's own password", [Roles.Operator], "tests", CancellationToken.None);
        var support = await LoginForm.LoggedIn(billing.Stack, "sven", "support's own password");
        using (var refused = await support.PostAsync($"{page}?handler=pause", await LoginForm.Form(support, page, [])))
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden, "support pausing a run from its page");
        (await billing.Stack.Query("select actor from audit.entry where action = 'billing_run.pause.refused'")).ShouldBe(["sven"]);

        using (var pause = await billing.Api.PostAsync($"{runs}/pause", null))
            pause.StatusCode.ShouldBe(HttpStatusCode.Accepted, await pause.Content.ReadAsStringAsync());
        // The worker lets the run go once it sees the pause: after that nothing may start.
        await Eventually.Until("the fan-out to let the paused run go", async () =>
            await billing.Count("select count(*) from billing.billing_run where run_id = $1 and lease_owner is null", BillingStack.RunId) == 1);
        var paused = (await billing.Run())!;
        await Task.Delay(TimeSpan.FromSeconds(3));
        var later = (await billing.Run())!;
        (later.Status, later.Published).ShouldBe(("paused", paused.Published), "3 s after the pause");
        paused.Published.ShouldBeLessThan(accounts);
        (await billing.Count("select count(*) from billing.account_billing where run_id = $1", BillingStack.RunId))
            .ShouldBeLessThanOrEqualTo(paused.Published, "accounts started while paused");
        using (var again = await billing.Api.PostAsync($"{runs}/pause", null))
            again.StatusCode.ShouldBe(HttpStatusCode.Conflict, "a paused run paused again");

        // Continued from the dashboard's button, by an operator logged in: the page asks first, then continues once confirmed.
        var operatorLogin = await LoginForm.LoggedIn(billing.Stack, "olga", "operator's own password");
        using (var asked = await operatorLogin.PostAsync($"{page}?handler=continue", await LoginForm.Form(operatorLogin, page, [])))
            (await asked.Content.ReadAsStringAsync()).ShouldContain($"accounts not started yet");
        (await billing.Run())!.Status.ShouldBe("paused", "asking continues nothing");
        using (var resume = await operatorLogin.PostAsync($"{page}?handler=continue", await LoginForm.Form(operatorLogin, page, [new("confirmed", "paused")])))
            resume.StatusCode.ShouldBe(HttpStatusCode.Redirect, await resume.Content.ReadAsStringAsync());
        var finished = await billing.WaitUntilFinished(TimeSpan.FromMinutes(delivery ? 6 : 3));
        (finished.Published, finished.Ready).ShouldBe((accounts, accounts), "every account started once, after the cursor");
        (await billing.Count("select count(*) from billing.statement where statement_date = $1", BillingStack.Today)).ShouldBe(accounts);
        using (var late = await billing.Api.PostAsync($"{runs}/pause", null))
            late.StatusCode.ShouldBe(HttpStatusCode.Conflict, "a run that started every account has nothing to pause");
        (await billing.Stack.Query("select action || ' ' || (before->>'status') || '>' || (after->>'status') from audit.entry where entity_type = 'billing_run' and action like 'billing_run.%' and action <> 'billing_run.start' and action not like '%.refused' order by entry_id"))
            .ShouldBe(["billing_run.pause fanning_out>paused", "billing_run.continue paused>fanning_out"]);
        (await billing.Stack.Query("select actor from audit.entry where action = 'billing_run.continue'")).ShouldBe(["olga"]);
    }
}
