using Billing.Features.Statements;

namespace Billing.Features.BillingRuns.Steps;

/// <summary>Reads the period's entries: from the previous statement's cut-off (or one cycle back for a first statement) to this one's.</summary>
public sealed class PassbookStep : IBillingStep
{
    public string Name => BillingSteps.Passbook;

    public async Task<DateTimeOffset?> Run(BillingWork work, CancellationToken cancellationToken)
    {
        await work.LoadAccount(cancellationToken);
        var saga = work.Saga;
        var loan = work.Loan!;
        work.Zone ??= TimeZoneInfo.FindSystemTimeZoneById(loan.TimeZone);
        var previous = work.Previous;
        work.PeriodStartDate = previous?.StatementDate ?? StatementCalendar.PreviousStatementDate(saga.StatementDate, loan.StatementDay);
        var start = previous?.Cutoff ?? StatementCalendar.Cutoff(work.PeriodStartDate, work.Zone);

        var ledger = await AccountReads.Period(work.Transaction, saga.AccountId, start, saga.Cutoff!.Value, previous?.CreatedAt,
            cancellationToken);
        if (ledger.Entries.FirstOrDefault(e => e.Currency != loan.Currency) is { } foreign)
            throw StepFailure.Permanent("currency_mismatch", $"Entry {foreign.ExternalRef} is in {foreign.Currency}; the loan is in {loan.Currency}.");
        work.Ledger = ledger;
        return null;
    }
}
