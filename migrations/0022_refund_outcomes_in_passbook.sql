-- Every refund outcome that moves money of a known repayment reaches the passbook (issue 19).
--
-- A refund the provider failed after reporting it paid (Stripe's late refund.failed) is reversed by a new, negative
-- refund entry: the passbook stays append-only. Its reference names the provider refund it reverses.
alter table billing.passbook_entry drop constraint passbook_entry_check;
alter table billing.passbook_entry add constraint passbook_entry_check check (
    (kind in ('purchase', 'interest', 'fee') and amount > 0)
    or (kind = 'refund' and (amount > 0 or external_ref like 'refund-reversal:%'))
    or (kind = 'repayment' and amount < 0)
    or kind = 'adjustment');

-- cancelled: support cancelled the excess refund, or resolved it without a payment. The reservation is released and the
-- credit stays on the account (a later repayment may reserve it again; purchases spend it).
alter table billing.excess_refund drop constraint excess_refund_status_check;
alter table billing.excess_refund add constraint excess_refund_status_check
    check (status in ('pending', 'requested', 'refunded', 'failed', 'rejected', 'cancelled'));
