-- Moving a repayment reported under the wrong account (issue 19, item 5).
--
-- A move books two entries in one transaction: the payment taken off the account it was reported under (positive, like
-- a reversal) and booked on the right one (negative, like a repayment). Their references name the payment and the
-- move's number, so the passbook stays append-only and a move replayed is the same two entries.
alter table billing.passbook_entry drop constraint passbook_entry_check;
alter table billing.passbook_entry add constraint passbook_entry_check check (
    (kind in ('purchase', 'interest', 'fee') and amount > 0)
    or (kind = 'refund' and (amount > 0 or external_ref like 'refund-reversal:%'))
    or (kind = 'repayment' and (amount < 0 or external_ref like 'repayment-reversal:%' or external_ref like 'repayment-move:%:out'))
    or kind = 'adjustment');

create table billing.repayment_move (
    gateway_payment_id varchar(100) not null references billing.repayment,
    move_no            int not null check (move_no > 0),
    from_account_id    varchar(64) not null references billing.account,
    to_account_id      varchar(64) not null references billing.account check (to_account_id <> from_account_id),
    amount             numeric(19, 4) not null check (amount > 0),
    currency           char(3) not null,
    reason             varchar(500) not null,
    out_entry_id       bigint not null references billing.passbook_entry,
    in_entry_id        bigint not null references billing.passbook_entry,
    moved_by           varchar(100) not null,
    moved_at           timestamptz not null default now(),
    primary key (gateway_payment_id, move_no)
);

-- billing.repayment keeps one row per payment: account_id and entry_id follow the latest move, and reported_account_id
-- keeps the account the gateway reported, so the original report sent again is still a replay.
alter table billing.repayment add column reported_account_id varchar(64) references billing.account;

-- A moved payment's excess refund on the wrong account is cancelled, and the right account may reserve its own: one
-- excess per payment per move. move_no names the idempotency key (excess:{payment} or excess:{payment}:move-{n}).
alter table billing.excess_refund drop constraint excess_refund_gateway_payment_id_key;
alter table billing.excess_refund add column move_no int not null default 0;
alter table billing.excess_refund add constraint excess_refund_payment_move unique (gateway_payment_id, move_no);
