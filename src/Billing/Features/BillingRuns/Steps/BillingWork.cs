using Billing.Features.BillingRuns.Saga;
using Billing.Features.Statements;
using Billing.Infrastructure.Messaging.Outbox;

namespace Billing.Features.BillingRuns.Steps;

/// <summary>
/// What one billing has gathered so far. A step that finds what an earlier step produced missing (the billing was
/// resumed or retried at a later step) reads it again: only the cut-off is a decision, and it is kept in the saga.
/// </summary>
public sealed class BillingWork(AccountBillingState saga, ConsumeTransaction transaction, DateTimeOffset now)
{
    public AccountBillingState Saga { get; } = saga;
    public ConsumeTransaction Transaction { get; } = transaction;
    public DateTimeOffset Now { get; } = now;

    public bool AccountLoaded { get; private set; }
    public AccountProfile? Account { get; private set; }
    public LoanRow? Loan { get; private set; }
    public PriorStatement? Previous { get; private set; }

    /// <summary>The latest statement of the account on any date: one on or after this date means it is billed already.</summary>
    public DateOnly? LatestStatement { get; private set; }
    public TimeZoneInfo? Zone { get; set; }
    public PeriodLedger? Ledger { get; set; }
    public StatementFigures? Figures { get; set; }

    /// <summary>The interest this statement charges: the figures' interest less what the period's entries had booked already.</summary>
    public decimal NewInterest { get; set; }
    public DateOnly PeriodStartDate { get; set; }

    public async Task LoadAccount(CancellationToken cancellationToken)
    {
        if (AccountLoaded)
            return;
        (Account, Loan, Previous, LatestStatement) = await AccountReads.Account(Transaction, Saga.AccountId, Saga.StatementDate, cancellationToken);
        AccountLoaded = true;
    }
}
