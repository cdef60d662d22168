-- The refund saga's intake check in one round trip (issue 22): the payment's lock, then what is known of the payment
-- and of billing's excess refunds of it. A plpgsql function, not one statement: each statement in it takes its own
-- snapshot, after the lock is granted, so a refund of the same payment committed while this waited is seen.
create or replace function refunds.intake_facts(lock_space int, payment varchar, refund uuid, excess_key boolean)
returns table (paid numeric, currency char(3), cancelled_detail varchar, unsettled_id uuid, unsettled_amount numeric,
               unsettled_currency char(3), unsettled_status varchar, refunded numeric)
language plpgsql volatile as $$
begin
    perform pg_advisory_xact_lock(lock_space, hashtext(payment));
    select p.amount - p.reversed, p.currency into paid, currency from refunds.payment p where p.payment_id = payment;
    if not found then
        return next;
        return;
    end if;
    select coalesce(x.detail, 'the credit is gone') into cancelled_detail
    from billing.excess_refund x where x.refund_id = refund and x.status in ('cancelling', 'cancelled');
    if not excess_key then
        select x.refund_id, x.amount, x.currency, x.status into unsettled_id, unsettled_amount, unsettled_currency, unsettled_status
        from billing.excess_refund x
        where x.gateway_payment_id = payment and x.refund_id <> refund and x.status in ('pending', 'requested', 'failed', 'cancelling')
        limit 1;
    end if;
    select coalesce(sum(f.amount), 0) into refunded from refunds.refund f where f.payment_id = payment and f.counts_against_payment;
    return next;
end $$;
