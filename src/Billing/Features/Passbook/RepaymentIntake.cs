using Billing.Infrastructure.Postgres;
using Billing.Features.Refunds.Saga;
using Npgsql;

namespace Billing.Features.Passbook;

/// <summary>
/// Records a reported repayment in one transaction, straight in Postgres from the API (no bus round trip, so a
/// billing run flooding the queues never delays it): the passbook entry, the repayment row, the payment made
/// refundable for the refund saga, and the excess refund when it left the account overpaid.
/// </summary>
public sealed class RepaymentIntake(NpgsqlDataSource dataSource)
{
    // The first key of the two-key advisory lock on an account id: any constant of our own, unlike the refund saga's.
    const int AccountLockSpace = 0x52_6570;

    public Task<RepaymentResult> Record(RepaymentReport report, CancellationToken cancellationToken) =>
        PassbookTransaction.Run(dataSource, (connection, transaction, token) => Record(connection, transaction, report, null, token), cancellationToken);

    /// <summary>
    /// A repayment of history loaded before anything of its account is billed (the generator's): booked when it was
    /// paid, as an imported entry is, so the statement of its period shows it. Never for a live report: a booking
    /// back-dated behind a billed cut-off would land on no statement.
    /// </summary>
    public Task<RepaymentResult> RecordHistory(RepaymentReport report, CancellationToken cancellationToken) =>
        PassbookTransaction.Run(dataSource, (connection, transaction, token) => Record(connection, transaction, report, report.PaidAt, token),
            cancellationToken);

    static async Task<RepaymentResult> Record(NpgsqlConnection connection, NpgsqlTransaction transaction, RepaymentReport report,
        DateTimeOffset? bookedAt, CancellationToken cancellationToken)
    {

        var loanCurrency = await LoanCurrency(connection, transaction, report.AccountId, cancellationToken);
        if (loanCurrency is null)
            return new(RepaymentOutcome.UnknownAccount);
        if (loanCurrency.Length == 0)
            return new(RepaymentOutcome.NoLoan);
        if (loanCurrency != report.Currency)
            return new(RepaymentOutcome.CurrencyMismatch, LoanCurrency: loanCurrency);

        // Repayments of one account wait for each other, and for nothing else: a second overpayment sees the first's
        // entry and excess, so the two together never refund more than the account was overpaid. No row is locked, so
        // statements, purchases and the refund outcomes never wait on a repayment or make one wait.
        await LockAccount(connection, transaction, report.AccountId, cancellationToken);

        if (await RepaymentQueries.Find(connection, transaction, report.GatewayPaymentId, cancellationToken) is { } earlier)
            return Compare(earlier, report);

        // The refund saga's lock of the payment, which the refund outcome consumer books under: a refund paid meanwhile is
        // booked by the consumer after this commits, or by this from its state (RefundsPaidBefore), never by neither.
        // Before this repayment counts: a failed excess keeps its reservation only while the credit covers it. Purchases
        // that spent that credit since would otherwise leave this overpayment's own excess unrefunded behind it (L1).
        var cancelling = await ExcessRefunds.ReleaseShortfall(connection, transaction, report.AccountId,
            "purchases spent the credit this refund was for before a later repayment was booked", cancellationToken);
        await connection.ExecuteAsync(transaction, "select pg_advisory_xact_lock($1, hashtext($2))", cancellationToken,
            RefundablePayments.PaymentLockSpace, report.GatewayPaymentId);
        var entryId = await Insert(connection, transaction, report, bookedAt, cancellationToken);
        if (entryId is null)
        {
            // The same payment id committed meanwhile under another account (a lock of its own): its row decides.
            var winner = await RepaymentQueries.Find(connection, transaction, report.GatewayPaymentId, cancellationToken);
            return Compare(winner ?? throw new InvalidOperationException($"Repayment {report.GatewayPaymentId} conflicted but is not there."), report);
        }

        // The refund saga refuses refunds beyond this payment, the excess refund below included.
        await RefundablePayments.Record(connection, transaction, report.GatewayPaymentId, report.Amount, report.Currency, report.Method,
            report.PaidAt, cancellationToken);
        // Refunds another system had paid of it before it was reported, booked now: the excess below counts them.
        await RefundsPaidBefore.Book(connection, transaction, report, cancellationToken);
        var excess = await ExcessRefunds.Reserve(connection, transaction, report, cancellationToken);

        // Not cancelled by the deadline: a commit cut off might have landed, and the caller would hear "nothing was stored".
        await transaction.CommitAsync(CancellationToken.None);
        var answer = new RepaymentAnswer(report.GatewayPaymentId, report.AccountId, entryId.Value, PassbookMoney.Normalize(report.Amount, report.Currency), report.Currency,
            report.Method, report.PaidAt, report.Source, Replayed: false, excess);
        return new(RepaymentOutcome.Recorded, answer, Cancelling: cancelling);
    }

    /// <summary>The account's money lock, also taken by a reversal: repayments and reversals of one account go one at a time.</summary>
    internal static Task LockAccount(NpgsqlConnection connection, NpgsqlTransaction transaction, string accountId,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(transaction, "select pg_advisory_xact_lock($1, hashtext($2))", cancellationToken, AccountLockSpace, accountId);

    /// <summary>
    /// The same payment reported again is a replay, under the account the gateway reported it or, once it was moved,
    /// under the account it is on now (the settlement file naming the right account after support moved the webhook's).
    /// </summary>
    static RepaymentResult Compare(StoredRepayment earlier, RepaymentReport report) =>
        earlier.Fingerprint == report.Fingerprint()
        || (report.AccountId == earlier.Answer.AccountId && earlier.Fingerprint == (report with { AccountId = earlier.ReportedAccountId }).Fingerprint())
            ? new(RepaymentOutcome.Replayed, earlier.Answer with { Replayed = true })
            : new(RepaymentOutcome.Conflict, earlier.Answer);

    /// <summary>The loan's currency; "" for an account without a loan, null for no account.</summary>
    internal static async Task<string?> LoanCurrency(NpgsqlConnection connection, NpgsqlTransaction transaction, string accountId,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select coalesce(l.currency, '') from billing.account a left join billing.loan l on l.account_id = a.account_id
            where a.account_id = $1
            """, connection, transaction);
        command.Parameters.Add(new() { Value = accountId });
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>
    /// The entry and the repayment row, or null when another transaction holds the payment id: a concurrent insert of
    /// the same reference waits for that one's commit and then inserts nothing (no unique violation, so no 500).
    /// booked_at is the database's now(): the statement cut-off is judged by the same clock.
    /// </summary>
    static async Task<long?> Insert(NpgsqlConnection connection, NpgsqlTransaction transaction, RepaymentReport report,
        DateTimeOffset? bookedAt, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            with entry as (
                insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at, description)
                values ($1, 'repayment', -$2, $3, $4, $5, coalesce($10::timestamptz, now()), 'Repayment ' || $6)
                on conflict (external_ref) do nothing
                returning entry_id)
            insert into billing.repayment (gateway_payment_id, account_id, amount, currency, method, paid_at, fingerprint, entry_id, source)
            select $6, $1, $2, $3, $7, $5, $8, entry_id, $9 from entry
            on conflict (gateway_payment_id) do nothing
            returning entry_id
            """, connection, transaction);
        command.Parameters.AddPositional(report.AccountId, report.Amount, report.Currency, report.ExternalRef, report.PaidAt,
            report.GatewayPaymentId, report.Method, report.Fingerprint(), report.Source, (object?)bookedAt ?? DBNull.Value);
        return (long?)await command.ExecuteScalarAsync(cancellationToken);
    }
}
