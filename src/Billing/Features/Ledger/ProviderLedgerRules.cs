namespace Billing.Features.Ledger;

/// <summary>
/// The refund rules against the provider's own ledger, each one set-based insert of its violations. $1 is the audit, $2
/// the payment method, $3 the start of the window (refund entries booked since), $4 the grace cut-off (a refund the
/// provider paid after it may not be booked yet), $5–$11 the provider's refunds as arrays (id, payment, our refund id,
/// amount, currency, status, created). A refund entry names its provider refund: <c>refund:{refund id}:{provider refund id}</c>
/// (<see cref="Passbook.RefundOutcomeConsumer.PaidRef"/>), a reversal <c>refund-reversal:…</c>.
/// </summary>
static class ProviderLedgerRules
{
    const string Insert = "insert into billing.ledger_violation (audit_id, rule, account_id, subject, expected, actual, detail) ";

    const string Provider = """
        with p as (select * from unnest($5::text[], $6::text[], $7::text[], $8::numeric[], $9::text[], $10::text[], $11::timestamptz[])
                   as p(provider_refund_id, payment_id, refund_id, amount, currency, status, created)),
        entry as (
            select e.entry_id, e.account_id, e.amount, e.currency, e.external_ref, split_part(e.external_ref, ':', 2) refund_id,
                   split_part(e.external_ref, ':', 3) provider_refund_id
            from billing.passbook_entry e
            join refunds.refund r on r.correlation_id::text = split_part(e.external_ref, ':', 2) and r.method = $2
            where e.kind = 'refund' and starts_with(e.external_ref, 'refund:') and e.booked_at >= $3
              and split_part(e.external_ref, ':', 3) not in ('', 'paid-elsewhere'))

        """;

    public sealed record Rule(string Name, string Sql);

    public static readonly IReadOnlyList<Rule> All =
    [
        // A refund entry books a refund the provider has.
        new("provider_refund_unknown", Provider + Insert + """
            select $1, 'provider_refund_unknown', e.account_id, 'entry ' || e.entry_id, null, e.amount,
                   'Entry ' || e.external_ref || ' books ' || $2 || ' refund ' || e.provider_refund_id || ', which the provider does not have'
            from entry e where not exists (select 1 from p where p.provider_refund_id = e.provider_refund_id)
            """),
        // A refund entry books what the provider paid.
        new("provider_refund_amount", Provider + Insert + """
            select $1, 'provider_refund_amount', e.account_id, 'entry ' || e.entry_id, p.amount, e.amount,
                   'Entry ' || e.external_ref || ' books ' || e.amount || ' ' || e.currency || ' but the provider paid ' || p.amount || ' ' || p.currency
            from entry e join p on p.provider_refund_id = e.provider_refund_id
            where p.amount <> e.amount or p.currency <> e.currency
            """),
        // A refund the provider reports failed or canceled is booked back (a reversing entry), or was never booked.
        new("provider_refund_failed", Provider + Insert + """
            select $1, 'provider_refund_failed', e.account_id, 'entry ' || e.entry_id, 0, e.amount,
                   'Entry ' || e.external_ref || ' books a refund the provider reports ' || p.status || ', and no reversal is booked'
            from entry e join p on p.provider_refund_id = e.provider_refund_id
            where p.status in ('failed', 'canceled')
              and not exists (select 1 from billing.passbook_entry v where v.external_ref = 'refund-reversal:' || e.refund_id || ':' || e.provider_refund_id)
            """),
        // A refund the provider paid of a payment the passbook knows is booked (one made at the provider by hand, without
        // our refund id, cannot be, and is reported too).
        new("provider_refund_unbooked", Provider + Insert + """
            select $1, 'provider_refund_unbooked', k.account_id, left($2 || ' refund ' || p.provider_refund_id, 200), p.amount, null,
                   'The provider paid refund ' || p.provider_refund_id || ' of ' || p.amount || ' ' || p.currency || ' of payment ' || p.payment_id
                   || coalesce(' (refund ' || nullif(p.refund_id, '') || ')', ' (no refund id of ours)') || ' on ' || p.created || '; the passbook has no entry of it'
            from p join billing.repayment k on k.gateway_payment_id = p.payment_id
            where p.status = 'succeeded' and p.created >= $3 and p.created < $4
              and not exists (select 1 from billing.passbook_entry e where e.external_ref = 'refund:' || p.refund_id || ':' || p.provider_refund_id)
            """),
    ];
}
