using System.Net;
using System.Text.Json;

namespace Billing.Tests.Passbook;

public class RepaymentIntakeTests
{
    [Fact]
    public async Task The_same_report_twice_is_one_entry_and_the_same_answer()
    {
        await using var passbook = await PassbookStack.Start(workers: 0);
        var account = await passbook.Account(owes: 100m);
        var payment = PassbookStack.PaymentId();

        var first = await passbook.Repay(PassbookStack.Body(account, 40m, payment), 201);
        var again = await passbook.Repay(PassbookStack.Body(account, 40.00m, payment), 200);

        first.GetProperty("replayed").GetBoolean().ShouldBeFalse();
        again.GetProperty("replayed").GetBoolean().ShouldBeTrue();
        again.GetProperty("entryId").GetInt64().ShouldBe(first.GetProperty("entryId").GetInt64());
        Without(again, "replayed").ShouldBe(Without(first, "replayed"));
        (await passbook.Count("select count(*) from billing.passbook_entry where external_ref = $1", $"repayment:{payment}")).ShouldBe(1);
        (await passbook.Count("select count(*) from billing.repayment")).ShouldBe(1);
        (await passbook.Count("select (amount * 100)::bigint from refunds.payment where payment_id = $1", payment)).ShouldBe(4000);
        (await passbook.Balance(account)).GetProperty("balance").GetDecimal().ShouldBe(60m);
    }

    [Fact]
    public async Task A_repayment_held_up_past_its_bound_is_rolled_back_and_answered_503_and_sent_again_it_is_booked()
    {
        // Billing waits BillingRuns:CutoffSettle (10 s) past a cut-off for the repayments in flight: a repayment transaction
        // must end well inside it (broken by leaving the bound out: the report waited the 12 s and answered 201).
        await using var passbook = await PassbookStack.Start(workers: 0);
        var account = await passbook.Account(owes: 100m);
        var payment = PassbookStack.PaymentId();

        await using (var connection = await passbook.Stack.Ground.DataSource.OpenConnectionAsync())
        await using (var holding = await connection.BeginTransactionAsync())
        {
            // Another repayment of the account holding its lock (the intake's advisory lock space, 0x526570).
            await using (var hold = new Npgsql.NpgsqlCommand("select pg_advisory_xact_lock(5399920, hashtext($1))", connection, holding))
            {
                hold.Parameters.Add(new() { Value = account });
                await hold.ExecuteNonQueryAsync();
            }

            var report = passbook.Report(PassbookStack.Body(account, 40m, payment));
            var finished = await Task.WhenAny(report, Task.Delay(TimeSpan.FromSeconds(12)));
            finished.ShouldBe(report, "the repayment must give up within its bound");
            using var cut = await report;
            cut.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, await cut.Content.ReadAsStringAsync());
            cut.Headers.RetryAfter.ShouldNotBeNull();
            await holding.RollbackAsync();
        }

        (await passbook.Count("select count(*) from billing.repayment where gateway_payment_id = $1", payment)).ShouldBe(0);
        await passbook.Repay(PassbookStack.Body(account, 40m, payment), 201);
    }

    // Catches the source in the fingerprint: the settlement file's report would be a 409.
    [Fact]
    public async Task The_webhook_and_the_settlement_file_reporting_one_payment_make_one_entry()
    {
        await using var passbook = await PassbookStack.Start(workers: 0);
        var account = await passbook.Account(owes: 100m);
        var payment = PassbookStack.PaymentId();

        var webhook = await passbook.Repay(PassbookStack.Body(account, 25m, payment, source: "webhook"), 201);
        var settlement = await passbook.Repay(PassbookStack.Body(account, 25m, payment, source: "settlement"), 200);

        settlement.GetProperty("entryId").GetInt64().ShouldBe(webhook.GetProperty("entryId").GetInt64());
        settlement.GetProperty("source").GetString().ShouldBe("webhook");
        (await passbook.Count("select count(*) from billing.passbook_entry where kind = 'repayment'")).ShouldBe(1);
    }

    [Fact]
    public async Task Another_payment_under_the_same_gateway_id_is_a_409_and_changes_nothing()
    {
        await using var passbook = await PassbookStack.Start(workers: 0);
        var account = await passbook.Account(owes: 100m);
        var other = await passbook.Account(owes: 100m);
        var payment = PassbookStack.PaymentId();
        var first = await passbook.Repay(PassbookStack.Body(account, 30m, payment), 201);
        var written = await passbook.Written();

        var conflicts = new[]
        {
            PassbookStack.Body(account, 30.01m, payment),
            PassbookStack.Body(other, 30m, payment),
            PassbookStack.Body(account, 30m, payment, method: "swish"),
            PassbookStack.Body(account, 30m, payment, paidAt: PassbookStack.PaidAt.AddTicks(10)),
        };
        foreach (var body in conflicts)
        {
            using var response = await passbook.Report(body);
            response.StatusCode.ShouldBe(HttpStatusCode.Conflict, JsonSerializer.Serialize(body));
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            problem.GetProperty("code").GetString().ShouldBe("payment_conflict");
            problem.GetProperty("entryId").GetInt64().ShouldBe(first.GetProperty("entryId").GetInt64());
        }

        (await passbook.Written()).ShouldBe(written);
        (await passbook.Balance(account)).GetProperty("balance").GetDecimal().ShouldBe(70m);
        (await passbook.Balance(other)).GetProperty("balance").GetDecimal().ShouldBe(100m);
    }

    // Reports of one account wait on its lock and then find the first one's row; with the lock gone, the on-conflict
    // insert and the re-read of the winner's row still make it one (a plain insert then made the losers 500s).
    [Fact]
    public async Task Ten_concurrent_reports_of_one_payment_make_one_repayment_and_one_entry()
    {
        await using var passbook = await PassbookStack.Start(workers: 0);
        var account = await passbook.Account(owes: 100m);
        var payment = PassbookStack.PaymentId();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10)
            .Select(i => passbook.Report(PassbookStack.Body(account, 50m, payment, source: i % 2 == 0 ? "webhook" : "settlement"))));

        var codes = responses.Select(r => (int)r.StatusCode).Order().ToList();
        codes.ShouldBe([200, 200, 200, 200, 200, 200, 200, 200, 200, 201], string.Join(", ", codes));
        var entries = await Task.WhenAll(responses.Select(async r =>
            JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("entryId").GetInt64()));
        entries.Distinct().ShouldHaveSingleItem();
        (await passbook.Count("select count(*) from billing.repayment")).ShouldBe(1);
        (await passbook.Count("select count(*) from billing.passbook_entry where kind = 'repayment'")).ShouldBe(1);
    }

    // Concurrent reports of one payment under two accounts do not share the account lock: the unique external_ref
    // decides. Catches the insert without "on conflict do nothing" (the losers were 500s, unique violations).
    [Fact]
    public async Task Concurrent_reports_of_one_payment_under_two_accounts_book_one_and_conflict_for_the_other()
    {
        await using var passbook = await PassbookStack.Start(workers: 0);
        var accounts = new[] { await passbook.Account(owes: 100m), await passbook.Account(owes: 100m) };
        var payment = PassbookStack.PaymentId();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => passbook.Report(PassbookStack.Body(accounts[i % 2], 10m, payment))));

        var codes = responses.Select((r, i) => (Account: i % 2, Code: (int)r.StatusCode)).ToList();
        var winner = codes.Single(c => c.Code == 201).Account;
        codes.ShouldAllBe(c => c.Code == (c.Account == winner ? 200 : 409) || c.Code == 201, string.Join(", ", codes));
        (await passbook.Count("select count(*) from billing.passbook_entry where kind = 'repayment'")).ShouldBe(1);
    }

    [Fact]
    public async Task The_balance_shows_what_is_due_after_the_repayments_booked_since_the_last_statement_cutoff()
    {
        await using var passbook = await PassbookStack.Start(workers: 0);
        var account = await passbook.Account(owes: 500m);
        // The statement was cut an hour ago with 35 due; a repayment booked before the cut-off does not count toward it.
        await passbook.Execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
            values ($1, 'repayment', -15, 'SEK', 'repayment:before-cutoff', now() - interval '2 hours', now() - interval '2 hours')
            """, account);
        await passbook.Execute("""
            insert into billing.statement (statement_id, account_id, statement_date, status, currency, period_start, cutoff, opening_balance,
                purchases, repayments, refunds, fees, interest, adjustments, closing_balance, minimum_due, past_due, due_date, entry_count)
            values (gen_random_uuid(), $1, current_date, 'ready', 'SEK', now() - interval '1 month', now() - interval '1 hour', 0,
                500, -15, 0, 0, 0, 0, 485, 35, 0, current_date + 25, 2)
            """, account);

        await passbook.Repay(PassbookStack.Body(account, 20m, PassbookStack.PaymentId(), paidAt: DateTimeOffset.UtcNow.AddDays(-1)));

        var balance = await passbook.Balance(account);
        balance.GetProperty("balance").GetDecimal().ShouldBe(465m);
        balance.GetProperty("lastStatement").GetProperty("minimumDue").GetDecimal().ShouldBe(35m);
        balance.GetProperty("lastStatement").GetProperty("repaidSinceCutoff").GetDecimal().ShouldBe(20m);
        balance.GetProperty("dueNow").GetDecimal().ShouldBe(15m);
        balance.GetProperty("credit").GetDecimal().ShouldBe(0m);

        using var unknown = await passbook.Api.GetAsync("/accounts/nobody/balance");
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        unknown.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    static string Without(JsonElement answer, string property) =>
        JsonSerializer.Serialize(answer.EnumerateObject().Where(p => p.Name != property).ToDictionary(p => p.Name, p => p.Value));
}
