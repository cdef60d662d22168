using Billing.Features.Refunds.Saga;
using Billing.Infrastructure.Postgres;
using Npgsql;

namespace Billing.Features.Passbook;

public enum ReversalOutcome { Recorded, Replayed, Conflict, UnknownRepayment, CurrencyMismatch, ExceedsRepayment }

/// <param name="Answer">Set for Recorded, Replayed and Conflict (the reversal recorded first under the id).</param>
/// <param name="Left">For ExceedsRepayment: what of the repayment is not reversed yet.</param>
/// <param name="Currency">For ExceedsRepayment and CurrencyMismatch: the repayment's currency.</param>
/// <param name="Cancelling">For Recorded: the excess refunds the reversal leaves uncovered, which the refund saga is to cancel.</param>
public sealed record ReversalResult(ReversalOutcome Outcome, ReversalAnswer? Answer = null, decimal? Left = null, string? Currency = null,
    IReadOnlyList<Guid>? Cancelling = null);

/// <summary>
/// Records a repayment the gateway took back (a chargeback, a returned payment) in one transaction under the account's
/// lock: a reversing passbook entry, the reversal row, the refund service told that this much of the payment is gone
/// (it refunds at most what is left), and the account's unpaid excess refunds cut back to the credit the reversal leaves
/// (<see cref="ExcessRefunds.ReleaseShortfall"/>). Idempotent on the gateway's reversal id.
/// </summary>
public sealed class RepaymentReversalIntake(NpgsqlDataSource dataSource)
{
    public async Task<ReversalResult> Record(ReversalReport report, CancellationToken cancellationToken)
    {
        // A move of the repayment committed between reading its account and taking that account's lock: again, on the
        // account it is on now. A payment moves a handful of times at most, so this ends.
        while (true)
            if (await PassbookTransaction.Run(dataSource, (connection, transaction, token) => Record(connection, transaction, report, token),
                    cancellationToken) is { } result)
                return result;
    }

    /// <summary>Null when the repayment moved to another account while this waited for the lock of the one it read.</summary>
    static async Task<ReversalResult?> Record(NpgsqlConnection connection, NpgsqlTransaction transaction, ReversalReport report,
        CancellationToken cancellationToken)
    {
        if (await RepaymentQueries.Find(connection, transaction, report.GatewayPaymentId, cancellationToken) is not { Answer: var repayment })
            return new(ReversalOutcome.UnknownRepayment);
        if (repayment.Currency != report.Currency)
            return new(ReversalOutcome.CurrencyMismatch, Currency: repayment.Currency);
        await RepaymentIntake.LockAccount(connection, transaction, repayment.AccountId, cancellationToken);
        // A move takes this lock too, so once it is held the account read again is the one the payment stays on.
        if (await RepaymentQueries.Find(connection, transaction, report.GatewayPaymentId, cancellationToken) is not { } again
            || again.Answer.AccountId != repayment.AccountId)
            return null;

        var reversedBefore = await Reversed(connection, transaction, report.GatewayPaymentId, cancellationToken);
        if (await Find(connection, transaction, report, reversedBefore, cancellationToken) is { } earlier)
            return earlier.Fingerprint == report.Fingerprint()
                ? new(ReversalOutcome.Replayed, earlier.Answer with { Replayed = true })
                : new(ReversalOutcome.Conflict, earlier.Answer);

        var left = repayment.Amount - reversedBefore;
        if (report.Amount > left)
            return new(ReversalOutcome.ExceedsRepayment, Left: PassbookMoney.Normalize(left, repayment.Currency), Currency: repayment.Currency);

        var entryId = await Insert(connection, transaction, report, repayment.AccountId, cancellationToken);
        await RefundablePayments.Reverse(connection, transaction, report.GatewayPaymentId, report.Amount, cancellationToken);
        var cancelling = await ExcessRefunds.ReleaseShortfall(connection, transaction, repayment.AccountId,
            $"repayment {report.GatewayPaymentId} was taken back ({report.Reason} {report.ReversalId}): the account's credit no longer covers this refund",
            cancellationToken);
        // Not cancelled by the deadline: a commit cut off might have landed, and the caller would hear "nothing was stored".
        await transaction.CommitAsync(CancellationToken.None);

        var answer = new ReversalAnswer(report.GatewayPaymentId, report.ReversalId, repayment.AccountId, entryId,
            PassbookMoney.Normalize(report.Amount, report.Currency), report.Currency, report.Reason, report.ReversedAt, report.Source, Replayed: false,
            PassbookMoney.Normalize(reversedBefore + report.Amount, report.Currency));
        return new(ReversalOutcome.Recorded, answer, Cancelling: cancelling);
    }

    static async Task<decimal> Reversed(NpgsqlConnection connection, NpgsqlTransaction transaction, string gatewayPaymentId,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "select coalesce(sum(amount), 0) from billing.repayment_reversal where gateway_payment_id = $1", connection, transaction);
        command.Parameters.Add(new() { Value = gatewayPaymentId });
        return (decimal)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    static async Task<(string Fingerprint, ReversalAnswer Answer)?> Find(NpgsqlConnection connection, NpgsqlTransaction transaction,
        ReversalReport report, decimal reversedInAll, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select fingerprint, account_id, entry_id, amount, currency, reason, reversed_at, source
            from billing.repayment_reversal where gateway_payment_id = $1 and reversal_id = $2
            """, connection, transaction);
        command.Parameters.AddPositional(report.GatewayPaymentId, report.ReversalId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var currency = reader.GetString(4);
        return (reader.GetString(0), new ReversalAnswer(report.GatewayPaymentId, report.ReversalId, reader.GetString(1), reader.GetInt64(2),
            PassbookMoney.Normalize(reader.GetDecimal(3), currency), currency, reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6),
            reader.GetString(7), Replayed: false, PassbookMoney.Normalize(reversedInAll, currency)));
    }

    /// <summary>The reversing entry (positive: the holder owes it again) and the reversal row, on the repayment's account.</summary>
    static async Task<long> Insert(NpgsqlConnection connection, NpgsqlTransaction transaction, ReversalReport report, string accountId,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            with entry as (
                insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at, description)
                values ($1, 'repayment', $2, $3, $4, $5, now(), left('Repayment ' || $6 || ' taken back (' || $7 || ' ' || $8 || ')', 500))
                returning entry_id)
            insert into billing.repayment_reversal (gateway_payment_id, reversal_id, account_id, amount, currency, reason, reversed_at, fingerprint, entry_id, source)
            select $6, $8, $1, $2, $3, $7, $5, $9, entry_id, $10 from entry
            returning entry_id
            """, connection, transaction);
        command.Parameters.AddPositional(accountId, report.Amount, report.Currency, report.ExternalRef, report.ReversedAt, report.GatewayPaymentId,
            report.Reason, report.ReversalId, report.Fingerprint(), report.Source);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
