using Billing.Features.Refunds.Saga;
using Billing.Infrastructure.Postgres;
using Npgsql;

namespace Billing.Features.Passbook;

/// <summary>
/// Moves a repayment reported under the wrong account to the right one, in one transaction: the payment taken off the
/// wrong account (a positive entry, as a reversal books) with its unpaid excess refunds stopped, and booked on the right
/// one (a negative entry) with its own excess refund when it overpays that account. The payment stays one payment for
/// the refund service (refunds.payment is untouched, so what was refunded of it stays counted against it); its later
/// refunds and reversals are booked on the account it is on now. Idempotent on the target: the same move again replays.
/// </summary>
public sealed class RepaymentMoveIntake(NpgsqlDataSource dataSource)
{
    // Moves of one payment wait for each other before they take any account lock: nothing else takes this lock, so a
    // move waiting here holds nothing another transaction waits for.
    const int MoveLockSpace = 0x52_656d;

    public Task<MoveResult> Move(string gatewayPaymentId, string toAccountId, string reason, string movedBy, CancellationToken cancellationToken) =>
        PassbookTransaction.Run(dataSource, (connection, transaction, token) =>
            Move(connection, transaction, gatewayPaymentId, toAccountId, reason, movedBy, token), cancellationToken);

    static async Task<MoveResult> Move(NpgsqlConnection connection, NpgsqlTransaction transaction, string gatewayPaymentId, string toAccountId,
        string reason, string movedBy, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(transaction, "select pg_advisory_xact_lock($1, hashtext($2))", cancellationToken, MoveLockSpace, gatewayPaymentId);
        if (await RepaymentQueries.Find(connection, transaction, gatewayPaymentId, cancellationToken) is not { } stored)
            return new(MoveOutcome.UnknownRepayment);
        var repayment = stored.Answer;

        var loanCurrency = await RepaymentIntake.LoanCurrency(connection, transaction, toAccountId, cancellationToken);
        if (loanCurrency is null)
            return new(MoveOutcome.UnknownAccount);
        if (loanCurrency.Length == 0)
            return new(MoveOutcome.NoLoan);
        if (loanCurrency != repayment.Currency)
            return new(MoveOutcome.CurrencyMismatch, Detail: loanCurrency);

        if (repayment.AccountId == toAccountId)
            return stored.MoveNo > 0 && await LastMove(connection, transaction, stored, cancellationToken) is { } last && last.ToAccountId == toAccountId
                ? new(MoveOutcome.Replayed, last with { Replayed = true })
                : new(MoveOutcome.SameAccount);

        // Both accounts' money locks (the ones repayments and reversals take), in one order, so two moves between the same
        // two accounts in opposite directions cannot deadlock.
        var from = repayment.AccountId;
        foreach (var account in new[] { from, toAccountId }.Order(StringComparer.Ordinal))
            await RepaymentIntake.LockAccount(connection, transaction, account, cancellationToken);

        // The refund saga's lock of the payment, which the refund outcome consumer books under too: a refund entry of this
        // payment is committed before the checks below see it, or waits and is booked on the account the payment goes to.
        // A request the saga is deciding now is decided first, and one it decides later sees the excess cancelling.
        await connection.ExecuteAsync(transaction, "select pg_advisory_xact_lock($1, hashtext($2))", cancellationToken,
            RefundablePayments.PaymentLockSpace, gatewayPaymentId);
        if (await GivenBack(connection, transaction, gatewayPaymentId, from, cancellationToken) is { } givenBack)
            return givenBack;

        var moveNo = stored.MoveNo + 1;
        var outEntry = await Entry(connection, transaction, from, repayment.Amount, repayment.Currency, MoveRules.OutRef(gatewayPaymentId, moveNo),
            repayment.PaidAt, $"Repayment {gatewayPaymentId} moved to account {toAccountId}: {reason}", cancellationToken);
        var inEntry = await Entry(connection, transaction, toAccountId, -repayment.Amount, repayment.Currency, MoveRules.InRef(gatewayPaymentId, moveNo),
            repayment.PaidAt, $"Repayment {gatewayPaymentId} moved from account {from}: {reason}", cancellationToken);
        var movedAt = await Record(connection, transaction, gatewayPaymentId, moveNo, from, toAccountId, repayment, reason, outEntry, inEntry,
            movedBy, cancellationToken);

        // The payment's own unpaid excess was the wrong account's credit, and is stopped whatever that account's credit
        // is now; then the wrong account's other excesses are cut back to the credit the move leaves it (the reversal rule).
        var detail = $"repayment {gatewayPaymentId} was moved to account {toAccountId}";
        var ownStopping = await StopOwnExcess(connection, transaction, gatewayPaymentId, detail, cancellationToken);
        var cancelling = new List<Guid>(ownStopping);
        cancelling.AddRange(await ExcessRefunds.ReleaseShortfall(connection, transaction, from,
            $"{detail}: the account's credit no longer covers this refund", cancellationToken));
        var excess = await ExcessRefunds.Reserve(connection, transaction, toAccountId, gatewayPaymentId, repayment.Amount, repayment.Currency,
            repayment.Method, moveNo, cancellationToken);

        // Not cancelled by the deadline: a commit cut off might have landed, and the caller would hear "nothing was stored".
        await transaction.CommitAsync(CancellationToken.None);
        var answer = new MoveAnswer(gatewayPaymentId, moveNo, from, toAccountId, repayment.Amount, repayment.Currency, outEntry, inEntry, reason,
            movedBy, movedAt, Replayed: false, excess, cancelling);
        return new(MoveOutcome.Moved, answer, Cancelling: cancelling, Method: repayment.Method, ExcessWaits: ownStopping.Count > 0);
    }

    /// <summary>
    /// Refused when some of the payment was already given back on the wrong account: a reversal, or a refund booked there.
    /// Moving the whole payment would leave those entries on an account the payment is no longer on.
    /// </summary>
    static async Task<MoveResult?> GivenBack(NpgsqlConnection connection, NpgsqlTransaction transaction, string gatewayPaymentId, string from,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select (select coalesce(sum(amount), 0) from billing.repayment_reversal where gateway_payment_id = $1),
                   (select coalesce(sum(e.amount), 0) from refunds.refund f
                    join billing.passbook_entry e on e.account_id = $2 and e.kind = 'refund'
                        and (starts_with(e.external_ref, 'refund:' || f.correlation_id) or starts_with(e.external_ref, 'refund-reversal:' || f.correlation_id))
                    where f.payment_id = $1),
                   (select count(*) from refunds.refund f
                    join billing.passbook_entry e on e.account_id = $2 and e.kind = 'refund'
                        and (starts_with(e.external_ref, 'refund:' || f.correlation_id) or starts_with(e.external_ref, 'refund-reversal:' || f.correlation_id))
                    where f.payment_id = $1)
            """, connection, transaction);
        command.Parameters.AddPositional(gatewayPaymentId, from);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (reversed, refunded, refundEntries) = (reader.GetDecimal(0), reader.GetDecimal(1), reader.GetInt64(2));
        if (reversed > 0)
            return new(MoveOutcome.Reversed, Detail: $"{reversed:0.####} of it was taken back by the gateway");
        return refundEntries > 0
            ? new(MoveOutcome.Refunded, Detail: $"{refunded:0.####} of it was refunded and booked on account {from}")
            : null;
    }

    /// <summary>The payment's excess refunds not paid yet: a rejected one is cancelled at once, the others are to be cancelled.</summary>
    static async Task<IReadOnlyList<Guid>> StopOwnExcess(NpgsqlConnection connection, NpgsqlTransaction transaction, string gatewayPaymentId,
        string detail, CancellationToken cancellationToken)
    {
        // Under the payment's lock (taken in Move).
        await using var command = new NpgsqlCommand("""
            update billing.excess_refund
            set status = case when status = 'rejected' then 'cancelled' else 'cancelling' end, detail = left($2, 1000), requested_at = now(),
                settled_at = case when status = 'rejected' then now() end
            where gateway_payment_id = $1 and status in ('pending', 'requested', 'failed', 'rejected')
            returning refund_id, status = 'cancelling'
            """, connection, transaction);
        command.Parameters.AddPositional(gatewayPaymentId, detail);
        return await ExcessRefunds.ToCancel(command, cancellationToken);
    }

    static async Task<long> Entry(NpgsqlConnection connection, NpgsqlTransaction transaction, string accountId, decimal amount, string currency,
        string externalRef, DateTimeOffset occurredAt, string description, CancellationToken cancellationToken)
    {
        // occurred_at is when the holder paid, on both sides: the right account counts the payment as made then (in time
        // for the due date it was meant for), and the wrong one as never made.
        await using var command = new NpgsqlCommand("""
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at, description)
            values ($1, 'repayment', $2, $3, $4, $5, now(), left($6, 500))
            returning entry_id
            """, connection, transaction);
        command.Parameters.AddPositional(accountId, amount, currency, externalRef, occurredAt, description);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The move's row, and the repayment now on the right account (its entry the move's), remembering where it was reported.</summary>
    static async Task<DateTimeOffset> Record(NpgsqlConnection connection, NpgsqlTransaction transaction, string gatewayPaymentId, int moveNo,
        string from, string to, RepaymentAnswer repayment, string reason, long outEntry, long inEntry, string movedBy, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(transaction, """
            update billing.repayment set reported_account_id = coalesce(reported_account_id, account_id), account_id = $2, entry_id = $3
            where gateway_payment_id = $1
            """, cancellationToken, gatewayPaymentId, to, inEntry);
        await using var command = new NpgsqlCommand("""
            insert into billing.repayment_move (gateway_payment_id, move_no, from_account_id, to_account_id, amount, currency, reason,
                                                out_entry_id, in_entry_id, moved_by)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            returning moved_at
            """, connection, transaction);
        command.Parameters.AddPositional(gatewayPaymentId, moveNo, from, to, repayment.Amount, repayment.Currency, reason, outEntry, inEntry, movedBy);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return reader.GetFieldValue<DateTimeOffset>(0);
    }

    static async Task<MoveAnswer?> LastMove(NpgsqlConnection connection, NpgsqlTransaction transaction, StoredRepayment stored,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select move_no, from_account_id, to_account_id, out_entry_id, in_entry_id, reason, moved_by, moved_at
            from billing.repayment_move where gateway_payment_id = $1 order by move_no desc limit 1
            """, connection, transaction);
        command.Parameters.AddPositional(stored.Answer.GatewayPaymentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var repayment = stored.Answer;
        return new MoveAnswer(repayment.GatewayPaymentId, reader.GetInt32(0), reader.GetString(1), reader.GetString(2), repayment.Amount,
            repayment.Currency, reader.GetInt64(3), reader.GetInt64(4), reader.GetString(5), reader.GetString(6),
            reader.GetFieldValue<DateTimeOffset>(7), Replayed: false, repayment.ExcessRefund, []);
    }
}
