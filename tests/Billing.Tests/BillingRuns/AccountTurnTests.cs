using System.Net;
using System.Net.Http.Json;
using Billing.Features.Accounts;
using Billing.Tests.Support;
using Npgsql;

namespace Billing.Tests.BillingRuns;

/// <summary>
/// A billing of an account and an import writing to it take turns, by the account's loan row (issue 19: M4, M5, W1), and a
/// repayment never waits for either. The test holds the row itself, as the other side would, in a transaction it
/// commits when it has seen the second side wait.
/// </summary>
public class AccountTurnTests
{
    const string Account = "acc-00001";

    [Fact]
    public async Task A_billing_waits_for_an_import_writing_the_accounts_previous_statement_and_opens_with_it_while_a_repayment_does_not_wait()
    {
        await using var stack = await BillingStack.Start();
        await stack.SeedAccounts(1);
        var previous = BillingStack.Today.AddMonths(-1);

        await using (var import = await HoldLoan(stack))
        {
            // What an import of last month's statement writes: its closing, the 500.00 purchase booked before its cut-off.
            await using (var statement = new NpgsqlCommand("""
                insert into billing.statement (statement_id, account_id, statement_date, status, currency, period_start, cutoff,
                    opening_balance, purchases, repayments, refunds, fees, interest, adjustments, closing_balance, minimum_due,
                    past_due, due_date, entry_count)
                select gen_random_uuid(), account_id, $2, 'imported', currency, $2::timestamp at time zone time_zone,
                    $2::timestamp at time zone time_zone, 0, 0, 0, 0, 0, 0, 0, 500, 35, 0, $2 + 25, 0
                from billing.loan where account_id = $1
                """, import.Connection, import))
            {
                statement.Parameters.Add(new() { Value = Account });
                statement.Parameters.Add(new() { Value = previous });
                await statement.ExecuteNonQueryAsync();
            }

            (await stack.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
            await Task.Delay(TimeSpan.FromSeconds(4));
            (await stack.Count("select count(*) from billing.statement where statement_date = $1", BillingStack.Today))
                .ShouldBe(0, "the billing must wait while the import holds the account");

            var repaid = System.Diagnostics.Stopwatch.StartNew();
            using var repayment = await stack.Api.PostAsJsonAsync("/repayments", new
            {
                accountId = Account, amount = 10m, currency = "SEK", gatewayPaymentId = $"gw_{Guid.NewGuid():N}", method = "card",
                paidAt = DateTimeOffset.UtcNow, source = "webhook",
            });
            repayment.StatusCode.ShouldBe(HttpStatusCode.Created, await repayment.Content.ReadAsStringAsync());
            repaid.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3), "a repayment never waits on a billing or an import");

            await import.CommitAsync();
        }

        var run = await stack.WaitUntilFinished();
        run.Ready.ShouldBe(1, BillingStack.Describe(run));
        (await stack.Count("select count(*) from billing.statement where statement_date = $1 and opening_balance = 500 and purchases = 1000",
            BillingStack.Today)).ShouldBe(1, "the billing opens with the imported statement, not from the start of the account");
    }

    [Fact]
    public async Task An_import_of_entries_waits_for_the_billing_of_their_account_and_is_recorded_after_its_statement()
    {
        await using var stack = await BillingStack.Start();
        await stack.SeedAccounts(1);
        var late = new EntryInput
        {
            AccountId = Account, Ref = $"late-{Guid.NewGuid():N}", Kind = "purchase", Amount = 42m,
            OccurredAt = new DateTimeOffset(BillingStack.Today.AddDays(-2).ToDateTime(new TimeOnly(23, 40)), TimeSpan.Zero),
        };

        Task<ImportReport> importing;
        await using (var billing = await HoldLoan(stack))
        {
            // What a billing writes for the account, before its commit.
            await using (var statement = new NpgsqlCommand("""
                insert into billing.statement (statement_id, account_id, statement_date, status, currency, period_start, cutoff,
                    opening_balance, purchases, repayments, refunds, fees, interest, adjustments, closing_balance, minimum_due,
                    past_due, due_date, entry_count, created_at)
                select gen_random_uuid(), account_id, $2, 'ready', currency, $2::timestamp at time zone time_zone - interval '1 month',
                    $2::timestamp at time zone time_zone, 0, 1500, 0, 0, 0, 0, 0, 1500, 35, 0, $2 + 25, 2, clock_timestamp()
                from billing.loan where account_id = $1
                """, billing.Connection, billing))
            {
                statement.Parameters.Add(new() { Value = Account });
                statement.Parameters.Add(new() { Value = BillingStack.Today });
                await statement.ExecuteNonQueryAsync();
            }

            importing = new AccountImporter(stack.Stack.Ground.DataSource).Import(Rows(new EntryRow("entries.csv line 2", late)));
            await Task.Delay(TimeSpan.FromSeconds(3));
            importing.IsCompleted.ShouldBeFalse("the import must wait while the account is billed");
            await billing.CommitAsync();
        }

        (await importing).EntriesAdded.ShouldBe(1);
        (await stack.Count("""
            select count(*) from billing.passbook_entry e, billing.statement s
            where e.external_ref = $1 and s.account_id = e.account_id and s.statement_date = $2 and e.recorded_at > s.created_at
            """, late.Ref!, BillingStack.Today)).ShouldBe(1, "recorded after the statement: a late posting on the next one, not lost between two");
    }

    /// <summary>A transaction holding the account's loan row, as a billing or an import does.</summary>
    static async Task<NpgsqlTransaction> HoldLoan(BillingStack stack)
    {
        var connection = await stack.Stack.Ground.DataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var hold = new NpgsqlCommand("select 1 from billing.loan where account_id = $1 for no key update", connection, transaction);
        hold.Parameters.Add(new() { Value = Account });
        await hold.ExecuteNonQueryAsync();
        return transaction;
    }

    static async IAsyncEnumerable<ImportRow> Rows(params ImportRow[] rows)
    {
        foreach (var row in rows)
            yield return row;
        await Task.CompletedTask;
    }
}
