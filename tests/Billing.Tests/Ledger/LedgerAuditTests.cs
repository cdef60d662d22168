using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Features.Ledger;
using Billing.Tests.BillingRuns;
using Billing.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Billing.Tests.Ledger;

/// <summary>The ledger auditor finds nothing on a clean billed data set, and each violation seeded into it under its rule.</summary>
public class LedgerAuditTests
{
    [Fact]
    public async Task An_audit_of_a_clean_billed_ledger_finds_nothing_and_one_wrong_row_per_rule_is_found_under_that_rule()
    {
        await using var stack = await BillingStack.Start();
        await stack.SeedAccounts(10);
        (await stack.StartRun()).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await stack.WaitUntilFinished()).Ready.ShouldBe(10);
        var gateway = $"gw_{Guid.NewGuid():N}";
        using (var repaid = await stack.Api.PostAsJsonAsync("/repayments", new
               {
                   accountId = "acc-00010", amount = 100m, currency = "SEK", gatewayPaymentId = gateway, method = "card",
                   paidAt = DateTimeOffset.UtcNow, source = "webhook",
               }))
            repaid.StatusCode.ShouldBe(HttpStatusCode.Created);
        using (var chargedBack = await stack.Api.PostAsJsonAsync($"/repayments/{gateway}/reversal", new
               {
                   reversalId = "dp_clean", amount = 30m, currency = "SEK", reason = "chargeback", reversedAt = DateTimeOffset.UtcNow,
               }))
            chargedBack.StatusCode.ShouldBe(HttpStatusCode.Created);
        // A repayment reported under acc-00009 and moved to acc-00008, as the intake does it: a clean move.
        using (var repaid = await stack.Api.PostAsJsonAsync("/repayments", new
               {
                   accountId = "acc-00009", amount = 40m, currency = "SEK", gatewayPaymentId = MovedPayment, method = "card",
                   paidAt = DateTimeOffset.UtcNow, source = "webhook",
               }))
            repaid.StatusCode.ShouldBe(HttpStatusCode.Created);
        using (var moved = await stack.Api.PostAsJsonAsync($"/repayments/{MovedPayment}/move", new { toAccountId = "acc-00008" }))
            moved.StatusCode.ShouldBe(HttpStatusCode.Created, await moved.Content.ReadAsStringAsync());
        var auditor = new LedgerAuditor(stack.Stack.Ground.DataSource, NullLogger<LedgerAuditor>.Instance);

        var clean = await auditor.Run(Guid.NewGuid(), "test", CancellationToken.None);

        (clean.Status, clean.AccountsChecked, clean.Violations).ShouldBe(("finished", 10, 0), string.Join("\n",
            await stack.Stack.Query("select detail from billing.ledger_violation where audit_id = $1", clean.AuditId)));

        await Seed(stack, gateway);
        var found = await auditor.Run(Guid.NewGuid(), "test", CancellationToken.None);

        found.ByRule.Keys.Order().ShouldBe(["move_entries", "refund_booking", "refund_entry_unexplained", "repayment_entry", "reversal_entry",
            "reversal_exceeds_repayment", "statement_closing", "statement_lines", "statement_missing", "statement_overlap",
            "statement_reissue"]);
        found.ByRule["statement_reissue"].ShouldBe(1);
        found.ByRule["statement_closing"].ShouldBe(1);
        found.ByRule["statement_lines"].ShouldBe(1);
        found.ByRule["repayment_entry"].ShouldBe(1);
        found.ByRule["reversal_entry"].ShouldBe(1);
        found.ByRule["reversal_exceeds_repayment"].ShouldBe(1);
        found.ByRule["move_entries"].ShouldBe(1);
        (await stack.Stack.Query("select subject from billing.ledger_violation where audit_id = $1 and rule = 'move_entries'", found.AuditId))
            .ShouldBe([$"move 2 of {MovedPayment}"]);

        // Staff read it on the dashboard: each violation under its rule, with a link to its account.
        var page = await stack.Api.GetStringAsync($"/dashboard/ledger?audit={found.AuditId}");
        foreach (var rule in found.ByRule.Keys)
            page.ShouldContain($"data-rule=\"{rule}\"");
        page.ShouldContain("href=\"/dashboard/accounts/acc-00004\"");
        (await stack.Api.GetStringAsync("/dashboard/ledger")).ShouldContain($"data-audit=\"{found.AuditId}\"", Case.Insensitive);

        // Support hears of each violation once: the next audit finds the same ones and mails nothing.
        var mail = new LedgerViolationMail(stack.Stack.Ground.DataSource, SupportMail.SupportMailerTests.Mailer(), NullLogger<LedgerViolationMail>.Instance);
        (await mail.SendNew(found.AuditId, CancellationToken.None)).ShouldBe(found.Violations);
        var sent = (await MailSink.WaitFor(found.AuditId.ToString("N"), 1, TimeSpan.FromSeconds(30))).ShouldHaveSingleItem();
        sent.Subject.ShouldContain($"{found.Violations} new violation(s)");
        sent.Body.ShouldContain("reversal_exceeds_repayment, account acc-00004");
        var again = await auditor.Run(Guid.NewGuid(), "test", CancellationToken.None);
        again.Violations.ShouldBe(found.Violations);
        (await mail.SendNew(again.AuditId, CancellationToken.None)).ShouldBe(0);
        found.ByRule["statement_missing"].ShouldBe(1);
    }

    [Fact]
    public async Task An_admin_asks_for_an_audit_a_worker_runs_it_and_staff_read_its_violations()
    {
        await using var stack = await BillingStack.Start();
        await stack.SeedAccounts(3);
        using var requested = await stack.Api.PostAsync("/ledger/audits", null);
        requested.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var location = requested.Headers.Location!.ToString();

        var audit = await Eventually.Get("the audit finished", async () =>
        {
            using var response = await stack.Api.GetAsync(location);
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
        }, a => a.ValueKind == JsonValueKind.Object && a.GetProperty("audit").GetProperty("status").GetString() == "finished");

        audit.GetProperty("audit").GetProperty("accountsChecked").GetInt32().ShouldBe(3);
        audit.GetProperty("violations").GetArrayLength().ShouldBe(0);
        using var unknown = await stack.Api.GetAsync($"/ledger/audits/{Guid.NewGuid()}");
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // A range for the provider's ledger: one that starts in the future, or too far back, starts nothing.
        var audits = await stack.Count("select count(*) from audit.entry where action = 'ledger.audit'");
        foreach (var from in new[] { DateTimeOffset.UtcNow.AddDays(1), DateTimeOffset.UtcNow.AddDays(-500) })
        {
            using var refused = await stack.Api.PostAsync($"/ledger/audits?providerFrom={Uri.EscapeDataString(from.ToString("O"))}", null);
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("providerFrom").GetArrayLength().ShouldBe(1);
        }
        (await stack.Count("select count(*) from audit.entry where action = 'ledger.audit'")).ShouldBe(audits);
        using var ranged = await stack.Api.PostAsync($"/ledger/audits?providerFrom={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-90).ToString("O"))}", null);
        ranged.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Until("the ranged audit finished", async () =>
        {
            using var response = await stack.Api.GetAsync(ranged.Headers.Location!.ToString());
            return response.StatusCode == HttpStatusCode.OK
                   && (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("audit").GetProperty("status").GetString() == "finished";
        });
    }

    const string MovedPayment = "gw_moved";

    /// <summary>One wrong row per rule, each as a defect or a hand edit would leave it.</summary>
    static async Task Seed(BillingStack stack, string gateway)
    {
        var today = BillingStack.Today;
        // statement_closing: an entry on the books before acc-00001's statement was written that the statement does not hold.
        await stack.Stack.Execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at, recorded_at)
            select account_id, 'purchase', 7, 'SEK', 'missed-1', cutoff - interval '1 day', cutoff - interval '1 day', created_at - interval '1 hour'
            from billing.statement where account_id = 'acc-00001'
            """);
        // statement_lines: a frozen line that no longer adds up.
        await stack.Stack.Execute("""
            update billing.statement_line set amount = amount + 1
            where line_no = 1 and statement_id = (select statement_id from billing.statement where account_id = 'acc-00002')
            """);
        // statement_overlap: an older statement of acc-00003 whose period ends inside the billed statement's.
        await stack.Stack.Execute("""
            insert into billing.statement (statement_id, account_id, statement_date, status, currency, period_start, cutoff, opening_balance,
                purchases, repayments, refunds, fees, interest, adjustments, closing_balance, minimum_due, past_due, due_date, entry_count)
            select gen_random_uuid(), account_id, statement_date - 3, 'imported', currency, cutoff - interval '3 days', cutoff - interval '3 days',
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, statement_date + 20, 0
            from billing.statement where account_id = 'acc-00003'
            """);
        // statement_reissue: a re-issue of acc-00005's statement that closes 1 higher than the version it corrects.
        await stack.Stack.Execute("""
            insert into billing.statement (statement_id, account_id, statement_date, status, currency, period_start, cutoff, opening_balance,
                purchases, repayments, refunds, fees, interest, adjustments, closing_balance, minimum_due, past_due, due_date, entry_count,
                version, corrects_statement_id)
            select gen_random_uuid(), account_id, statement_date, status, currency, period_start, cutoff, opening_balance, purchases, repayments,
                refunds, fees, interest, adjustments, closing_balance + 1, minimum_due, past_due, due_date, entry_count, 2, statement_id
            from billing.statement where account_id = 'acc-00005'
            """);
        // statement_missing: last month's run fanned out an hour ago; acc-00006's statement spans last month's date too
        // (its period starts a cycle earlier, as after a date the daily job skipped), with no statement or halt then.
        // The other accounts' first statements begin at last month's date: nothing was due before.
        var lastMonth = today.AddMonths(-1);
        await stack.Stack.Execute("""
            insert into billing.billing_run (run_id, statement_date, trigger, status, fanned_out_at) values ($1, $2, 'test', 'fanned_out', now() - interval '1 hour')
            """, Guid.NewGuid(), lastMonth);
        await stack.Stack.Execute("update billing.statement set period_start = period_start - interval '1 month' where account_id = 'acc-00006'");
        // repayment_entry: a repayment row whose entry books another amount.
        await stack.Stack.Execute("""
            with entry as (
                insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
                values ('acc-00004', 'repayment', -50, 'SEK', 'repayment:gw_wrong', now(), now()) returning entry_id)
            insert into billing.repayment (gateway_payment_id, account_id, amount, currency, method, paid_at, fingerprint, entry_id, source)
            select 'gw_wrong', 'acc-00004', 60, 'SEK', 'card', now(), 'x', entry_id, 'webhook' from entry
            """);
        // reversal_entry: a reversal whose entry books another amount; reversal_exceeds_repayment: gw_wrong's 60 reversed for 70.
        await stack.Stack.Execute("""
            with entry as (
                insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
                values ('acc-00004', 'repayment', 5, 'SEK', 'repayment-reversal:gw_wrong:dp_1', now(), now()) returning entry_id)
            insert into billing.repayment_reversal (gateway_payment_id, reversal_id, account_id, amount, currency, reason, reversed_at, fingerprint, entry_id, source)
            select 'gw_wrong', 'dp_1', 'acc-00004', 70, 'SEK', 'chargeback', now(), 'x', entry_id, 'webhook' from entry
            """);
        // move_entries: a second move of the moved payment, from acc-00008 to acc-00007, whose entry on acc-00007 books 35 of its 40.
        await stack.Stack.Execute("""
            with moved_out as (
                insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
                values ('acc-00008', 'repayment', 40, 'SEK', 'repayment-move:' || $1 || ':2:out', now(), now()) returning entry_id),
            moved_in as (
                insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
                values ('acc-00007', 'repayment', -35, 'SEK', 'repayment-move:' || $1 || ':2:in', now(), now()) returning entry_id)
            insert into billing.repayment_move (gateway_payment_id, move_no, from_account_id, to_account_id, amount, currency, reason,
                                                out_entry_id, in_entry_id, moved_by)
            select $1, 2, 'acc-00008', 'acc-00007', 40, 'SEK', 'seeded', moved_out.entry_id, moved_in.entry_id, 'test' from moved_out, moved_in
            """, MovedPayment);
        // refund_booking: a refund of acc-00010's repayment the provider paid, never booked.
        await stack.Stack.Execute("""
            insert into refunds.refund (correlation_id, current_state, idempotency_key, request_fingerprint, payment_id, amount, currency, method,
                requested_at, updated_at, counts_against_payment)
            values (gen_random_uuid(), 'Refunded', 'disputes-1', 'x', $1, 20, 'SEK', 'card', now(), now(), true)
            """, gateway);
        // refund_entry_unexplained: a refund entry with no refund behind it.
        await stack.Stack.Execute("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at)
            values ('acc-00005', 'refund', 30, 'SEK', $1, now(), now())
            """, $"refund:{Guid.NewGuid()}:re_ghost");
    }
}
