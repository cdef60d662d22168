-- Chargebacks and reversals of repayments (issue 19, item 5).
--
-- The gateway took a repayment back (a chargeback, a returned direct debit, a reversal): a new entry of kind repayment,
-- positive, reverses it (the passbook stays append-only), and the statements net it against the period's repayments.
-- Its reference names the repayment and the gateway's own id of the reversal, so a reversal reported twice is one entry.
alter table billing.passbook_entry drop constraint passbook_entry_check;
alter table billing.passbook_entry add constraint passbook_entry_check check (
    (kind in ('purchase', 'interest', 'fee') and amount > 0)
    or (kind = 'refund' and (amount > 0 or external_ref like 'refund-reversal:%'))
    or (kind = 'repayment' and (amount < 0 or external_ref like 'repayment-reversal:%'))
    or kind = 'adjustment');

create table billing.repayment_reversal (
    gateway_payment_id varchar(100) not null references billing.repayment,
    reversal_id        varchar(100) not null,
    account_id         varchar(64) not null references billing.account,
    amount             numeric(19, 4) not null check (amount > 0),
    currency           char(3) not null,
    reason             varchar(32) not null,
    reversed_at        timestamptz not null,
    fingerprint        varchar(64) not null,
    entry_id           bigint not null references billing.passbook_entry,
    source             varchar(32) not null,
    received_at        timestamptz not null default now(),
    primary key (gateway_payment_id, reversal_id)
);

-- What of a payment was taken back: the refund saga refunds at most amount - reversed - refunded.
alter table refunds.payment add column reversed numeric(19, 4) not null default 0 check (reversed >= 0 and reversed <= amount);

-- cancelling: a reversal left the account with less credit than this unpaid excess reserves; the refund saga is being
-- told to cancel it (by the API after its commit, then by the sweep until the saga answers). It still counts as
-- reserved, because a refund already at the provider may yet be paid.
alter table billing.excess_refund drop constraint excess_refund_status_check;
alter table billing.excess_refund add constraint excess_refund_status_check
    check (status in ('pending', 'requested', 'refunded', 'failed', 'rejected', 'cancelling', 'cancelled'));
create index excess_refund_cancelling on billing.excess_refund (requested_at) where status = 'cancelling';
