using Billing.Features.Accounts;
using Billing.Features.Passbook;
using Billing.Tests.Support;

namespace Billing.Tests.Accounts;

/// <summary>
/// One intake for repayments (review L3): an import that carried one booked it a second time beside the same payment
/// reported to POST /repayments, never refundable and never checked for an overpayment. The break these catch: "repayment"
/// back among <see cref="AccountRules.Kinds"/> (the refusal gone) imports the entry; the generator's history booked by the
/// importer again instead of <see cref="GeneratedHistory"/> leaves no repayment row, no refundable payment and no excess.
/// </summary>
public sealed class RepaymentImportTests
{
    const string Accounts = """
        account_id,name,email,phone,currency,credit_limit,apr,statement_day,time_zone,opened_on
        acc-1,Anna Berg,,,SEK,20000,0.2,28,Europe/Stockholm,2024-05-01
        """;

    [Fact]
    public async Task An_import_with_a_repayment_entry_is_refused_naming_the_row_and_the_intake_and_nothing_is_written()
    {
        await using var ground = await TestGround.Create();

        var csv = await ground.ImportCsv(Accounts, """
            account_id,ref,kind,amount,occurred_at,description
            acc-1,p-1,purchase,100,2026-11-01T10:00:00Z,
            acc-1,r-1,repayment,-100,2026-11-02T10:00:00Z,paid by card
            """);
        var json = await ground.ImportJson("""
            { "accounts": [ { "accountId": "acc-2", "name": "Erik", "loan": { "currency": "SEK", "creditLimit": 1, "apr": 0.2, "statementDay": 28, "timeZone": "Europe/Stockholm", "openedOn": "2024-05-01" },
                "entries": [ { "ref": "r-2", "kind": "repayment", "amount": -10, "occurredAt": "2026-11-01T10:00:00Z" } ] } ] }
            """);

        csv.Written.ShouldBeFalse();
        json.Written.ShouldBeFalse();
        csv.Rejected.ShouldHaveSingleItem().Where.ShouldBe("file2.csv line 3 (r-1)");
        json.Rejected.ShouldHaveSingleItem().Where.ShouldBe("test.json accounts[0] (acc-2) entries[0] (r-2)");
        foreach (var refused in csv.Rejected.Concat(json.Rejected))
            refused.Reason.ShouldContain("repayments are reported through POST /repayments");
        (await ground.RowsWritten()).ShouldBe(0, "the account and its purchase were fine, and still nothing is written");
    }

    [Fact]
    public async Task The_generators_history_repayments_go_through_the_repayment_intake_booked_when_paid_and_a_later_report_is_the_same_payment()
    {
        await using var ground = await TestGround.Create();
        var generated = AccountGenerator.GenerateWithRepayments(300, 4, new DateOnly(2026, 12, 31)).ToList();
        var repayments = generated.SelectMany(g => g.Repayments).ToList();

        var load = await GeneratedHistory.Load(ground.DataSource, generated, null, CancellationToken.None);

        load.Import.Written.ShouldBeTrue(load.Import.ToString());
        load.RepaymentsBooked.ShouldBe(repayments.Count);
        (await ground.Count("billing.repayment")).ShouldBe(repayments.Count);
        (await ground.Count("refunds.payment")).ShouldBe(repayments.Count, "each one refundable, so the refund saga caps refunds of it");
        (await ground.Count("billing.passbook_entry where kind = 'repayment' and booked_at = occurred_at and starts_with(external_ref, 'repayment:gen-')"))
            .ShouldBe(repayments.Count, "history is booked when it was paid, as an import books it");
        var overpaid = generated.Count(g => g.Account.Entries!.Sum(e => e.Amount!.Value) < g.Repayments.Sum(r => r.Amount));
        overpaid.ShouldBeGreaterThan(0);
        (await ground.Count("billing.excess_refund")).ShouldBe(overpaid, "an overpaid account's excess is reserved, as for any repayment");

        // The gateway reporting one of them again, or the load run again: the same payment, not a second entry.
        var again = await new RepaymentIntake(ground.DataSource).Record(repayments[0] with { Source = "webhook" }, CancellationToken.None);
        again.Outcome.ShouldBe(RepaymentOutcome.Replayed);
        var second = await GeneratedHistory.Load(ground.DataSource, generated, null, CancellationToken.None);
        (second.RepaymentsBooked, second.RepaymentsReplayed).ShouldBe((0, repayments.Count));
        (await ground.Count("billing.passbook_entry where kind = 'repayment'")).ShouldBe(repayments.Count);
    }
}
