using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Billing.Contracts.Money;
using Billing.Contracts.Refunds;
using Billing.Infrastructure.Persistence;
using Billing.Infrastructure.Postgres;

namespace Billing.Features.Refunds.Saga;

/// <summary>Decides whether a new refund request is accepted; runs inside the saga's transaction.</summary>
public static class RefundIntake
{
    const int PaymentLockSpace = RefundablePayments.PaymentLockSpace;

    /// <summary>Identifies the request's content, so a replayed key can be told apart from a reused one.</summary>
    public static string Fingerprint(RequestRefund request)
    {
        var minor = Currencies.IsKnown(request.Currency) && Currencies.FitsMinorUnits(request.Amount, request.Currency)
                    && Math.Abs(request.Amount) <= Currencies.MaxMinorUnitsAmount
            ? Currencies.ToMinorUnits(request.Amount, request.Currency).ToString(CultureInfo.InvariantCulture)
            : request.Amount.ToString(CultureInfo.InvariantCulture);
        var canonical = string.Join('\n', request.PaymentId, minor, request.Currency, request.Method, request.Reason ?? "");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>
    /// Null when the refund may go ahead, otherwise why not. Refunds of one payment are decided one after the other
    /// (a transaction lock on the payment id, known or not), so two of them cannot together exceed it. A payment in
    /// refunds.payment (known: recorded by <see cref="RecordRefundablePayment"/>) is checked against what is left of it;
    /// an unknown payment is not checked: the refund goes to the provider, which refuses more than was paid.
    /// </summary>
    public static async Task<RefundRejected?> Evaluate(BillingDbContext db, RequestRefund request, IReadOnlyCollection<string> methods,
        CancellationToken cancellationToken)
    {
        var problems = RefundRequestRules.Problems(request.IdempotencyKey, request.PaymentId, request.Amount, request.Currency,
            request.Method, request.Reason, request.RequestedBy, methods);
        if (problems.Count > 0)
            return new RefundRejected(request.RefundId, RefundRejections.Invalid,
                string.Join(" ", problems.Select(p => $"{p.Key}: {string.Join(" ", p.Value)}")));

        // One round trip (refunds.intake_facts): the payment's lock first, a lock on the id, not a row, so a payment
        // recorded while its refunds are being decided is still decided in turn; then what is known of it.
        await using var command = await db.CreateCommandAsync("select * from refunds.intake_facts($1, $2, $3, $4)", cancellationToken);
        command.Parameters.AddPositional(PaymentLockSpace, request.PaymentId, request.RefundId,
            // Billing's own excesses of one payment (a moved repayment's, cancelled on the wrong account, and the right
            // account's) are sized against each other by billing, and the payment's cap below still holds them together.
            IsBillingsExcess(request.IdempotencyKey));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        if (reader.IsDBNull(0))
            return null;
        var paid = reader.GetDecimal(0);
        var currency = reader.GetString(1);

        if (currency != request.Currency)
            return new RefundRejected(request.RefundId, RefundRejections.CurrencyMismatch,
                $"Payment {request.PaymentId} was made in {currency}, not {request.Currency}.");

        // Billing's own excess refund that a reversal of the repayment cancelled before the saga heard of it (the API's
        // send after its commit, or the sweep's, still on its way): the credit it was for is gone.
        if (!reader.IsDBNull(2))
            return new RefundRejected(request.RefundId, RefundRejections.ExcessRefundCancelled,
                $"The excess refund of payment {request.PaymentId} was cancelled: {reader.GetString(2)}.");

        // A refund of a repayment whose excess billing is refunding and has not settled (pending, requested, or failed
        // and still retried by the reconciler) waits for it: both would return the same overpayment. The rule, in
        // docs/passbook.md: every paid refund of a repayment is booked on its account; another system's refund of a
        // repayment is refused while the automatic one is unsettled, and after it, it is booked as the repayment given back.
        if (!reader.IsDBNull(3))
            return new RefundRejected(request.RefundId, RefundRejections.ExcessRefundUnsettled,
                $"Billing is refunding the overpayment of {Currencies.Format(reader.GetDecimal(4), reader.GetString(5))} on payment " +
                $"{request.PaymentId} (refund {reader.GetGuid(3)}, {reader.GetString(6)}). " +
                "Ask again once it is refunded, or after support cancels or resolves it.");

        var left = paid - reader.GetDecimal(7);
        return request.Amount <= left
            ? null
            : new RefundRejected(request.RefundId, RefundRejections.ExceedsRefundable,
                // Never "only -46.90": a payment taken back after it was refunded has nothing left, not less than nothing.
                $"Only {Currencies.Format(Math.Max(0, left), currency)} of payment {request.PaymentId} is still refundable.");
    }

    /// <summary>
    /// Billing's own excess refund, failed and at rest, that billing has since cancelled (the account's credit no longer
    /// covers it: <c>ExcessRefunds.ReleaseShortfall</c> cancels one at rest at once): its detail, or null. Asked before
    /// support's retry or the reconciler's attempt, under the payment's lock that ReleaseShortfall holds while it decides,
    /// so either this reads its cancel, or it reads the saga in flight after this commits and waits for the outcome.
    /// </summary>
    public static async Task<string?> CancelledByBilling(BillingDbContext db, RefundState refund, CancellationToken cancellationToken)
    {
        if (!IsBillingsExcess(refund.IdempotencyKey))
            return null;
        // Two statements: the read's snapshot must be taken after the lock is granted.
        await using (var lockPayment = await db.CreateCommandAsync("select pg_advisory_xact_lock($1, hashtext($2))", cancellationToken))
        {
            lockPayment.Parameters.AddPositional(PaymentLockSpace, refund.PaymentId);
            await lockPayment.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var command = await db.CreateCommandAsync("""
            select coalesce(detail, 'cancelled by billing') from billing.excess_refund where refund_id = $1 and status in ('cancelling', 'cancelled')
            """, cancellationToken);
        command.Parameters.AddPositional(refund.CorrelationId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Billing's own excess refund of a repayment: a key only billing may use (RefundRequestRules.ReservedKeyPrefixes).</summary>
    static bool IsBillingsExcess(string idempotencyKey) => idempotencyKey.StartsWith("excess:", StringComparison.OrdinalIgnoreCase);
}
