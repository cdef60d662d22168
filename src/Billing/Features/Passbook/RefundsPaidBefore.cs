using Billing.Infrastructure.Postgres;
using Npgsql;

namespace Billing.Features.Passbook;

/// <summary>
/// A refund service caller may refund a payment billing has not heard of yet (the refund saga does not check unknown
/// payments; the provider refuses more than was paid), and it may be paid before the repayment is reported: its outcome
/// then found no repayment to book against. When the repayment is reported, every refund of it already paid is booked
/// here, with the reference <see cref="RefundOutcomeConsumer"/> uses, so it is one entry whichever comes first.
/// </summary>
static class RefundsPaidBefore
{
    public static Task<int> Book(NpgsqlConnection connection, NpgsqlTransaction transaction, RepaymentReport report,
        CancellationToken cancellationToken) =>
        // The amount is what the refund paid (the saga keeps the paid amount as the refund's), in the payment's currency
        // only (a refund in another was refused by the provider, or is support's to untangle).
        connection.ExecuteAsync(transaction, """
            insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at, description)
            select $1, 'refund', f.amount, f.currency,
                   case when f.current_state = 'Refunded'
                        then 'refund:' || f.correlation_id || coalesce(':' || nullif(f.provider_refund_id, ''), '')
                        else 'refund:' || f.correlation_id || ':paid-elsewhere' end,
                   coalesce(f.refunded_at, f.closed_at, now()), now(),
                   left('Refunded before the repayment was reported (refund ' || f.correlation_id || ' of ' || f.payment_id || ')', 500)
            from refunds.refund f
            where f.payment_id = $2 and f.currency = $3
              and (f.current_state = 'Refunded' or (f.current_state = 'ResolvedByHand' and f.counts_against_payment))
            on conflict (external_ref) do nothing
            """, cancellationToken, report.AccountId, report.GatewayPaymentId, report.Currency);
}
