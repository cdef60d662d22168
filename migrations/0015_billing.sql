-- Billing: the accounts and their loans, the append-only passbook, repayments and the refunds of their excess,
-- statements (one per account and statement date) and billing runs with one saga row per account billed.
create schema if not exists billing;

create table billing.account (
    account_id      varchar(64) primary key,
    name            varchar(200) not null,
    email           varchar(254),
    phone           varchar(32),            -- E.164, for SMS and WhatsApp
    sms_opt_in      boolean not null default true,
    email_opt_in    boolean not null default true,
    whatsapp_opt_in boolean not null default false,
    locale          varchar(16) not null default 'en-GB',
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);

-- One loan (credit account) per account holder.
create table billing.loan (
    account_id      varchar(64) primary key references billing.account,
    currency        char(3) not null,
    credit_limit    numeric(19, 4) not null check (credit_limit >= 0),
    apr             numeric(9, 6) not null check (apr >= 0 and apr < 10),   -- 0.24 is 24 % a year
    day_count       varchar(16) not null default 'actual/365' check (day_count in ('actual/365', 'actual/360', '30/360')),
    statement_day   smallint not null check (statement_day between 1 and 31),
    time_zone       varchar(64) not null,                                   -- IANA, e.g. Europe/Stockholm
    minimum_percent numeric(9, 6) not null default 0.01 check (minimum_percent >= 0 and minimum_percent <= 1),
    minimum_floor   numeric(19, 4) not null default 35 check (minimum_floor >= 0),
    late_fee        numeric(19, 4) not null default 25 check (late_fee >= 0),
    due_days        smallint not null default 25 check (due_days >= 21),
    opened_on       date not null,
    updated_at      timestamptz not null default now()
);

-- The fan-out streams the accounts of a statement day in keyset pages.
create index loan_statement_day on billing.loan (statement_day, account_id);

-- The passbook: what an account owes moves only by appending entries. amount is the signed effect on the balance
-- owed: purchases, interest, fees and refunds paid out add; repayments subtract; adjustments go either way. A
-- correction is a new entry (an adjustment), never an update.
create table billing.passbook_entry (
    entry_id     bigint generated always as identity primary key,
    account_id   varchar(64) not null references billing.account,
    kind         varchar(16) not null check (kind in ('purchase', 'repayment', 'interest', 'fee', 'refund', 'adjustment')),
    amount       numeric(19, 4) not null check (amount <> 0),
    currency     char(3) not null,
    external_ref varchar(200) not null unique,      -- the source's own reference: the same entry reported twice is one
    occurred_at  timestamptz not null,              -- when it happened (a repayment's paid-at, a purchase's time)
    booked_at    timestamptz not null,              -- when it counts on the ledger: decides which statement shows it
    description  varchar(500),
    statement_id uuid,                              -- the statement that posted it (its interest and late fee)
    recorded_at  timestamptz not null default now(),
    check ((kind in ('purchase', 'interest', 'fee', 'refund') and amount > 0) or (kind = 'repayment' and amount < 0)
           or kind = 'adjustment')
);

create index passbook_entry_account_booked on billing.passbook_entry (account_id, booked_at);

create function billing.passbook_is_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'billing.passbook_entry is append-only: post a correcting entry instead of % on entry %', tg_op, old.entry_id
        using errcode = 'P0001';
end $$;

create trigger passbook_entry_append_only before update or delete on billing.passbook_entry
    for each row execute function billing.passbook_is_append_only();

-- Repayments as the gateway reported them, one per gateway payment id (its webhook and its settlement file report
-- the same payment: one row, one passbook entry). fingerprint identifies the payload, so a different payload under
-- the same id is refused.
create table billing.repayment (
    gateway_payment_id varchar(100) primary key,
    account_id         varchar(64) not null references billing.account,
    amount             numeric(19, 4) not null check (amount > 0),
    currency           char(3) not null,
    method             varchar(32) not null,
    paid_at            timestamptz not null,
    fingerprint        varchar(64) not null,
    entry_id           bigint not null references billing.passbook_entry,
    source             varchar(32) not null,
    received_at        timestamptz not null default now()
);

create index repayment_account on billing.repayment (account_id, paid_at);

-- The excess of a repayment that left its account overpaid, refunded through the refund saga exactly once: the refund
-- id comes from an idempotency key derived from the repayment (one excess per repayment).
create table billing.excess_refund (
    refund_id          uuid primary key,
    gateway_payment_id varchar(100) not null unique references billing.repayment,
    account_id         varchar(64) not null references billing.account,
    amount             numeric(19, 4) not null check (amount > 0),
    currency           char(3) not null,
    method             varchar(32) not null,
    status             varchar(16) not null check (status in ('pending', 'requested', 'refunded', 'failed', 'rejected')),
    detail             varchar(1000),
    created_at         timestamptz not null default now(),
    requested_at       timestamptz,
    settled_at         timestamptz
);

create index excess_refund_pending on billing.excess_refund (created_at) where status in ('pending', 'requested');

-- Billing runs: one per statement date, however often it is started.
create table billing.billing_run (
    run_id            uuid primary key,
    statement_date    date not null unique,
    trigger           varchar(200) not null,
    status            varchar(16) not null check (status in ('fanning_out', 'fanned_out')),
    total             int not null default 0,       -- accounts due on the date, counted when the run started
    published         int not null default 0,       -- accounts the fan-out has published so far
    cursor_day        smallint not null default 0,  -- the last account published, as its keyset (statement day, account id):
    cursor_account_id varchar(64) not null default '',  -- a fan-out that stopped resumes after it
    lease_owner       uuid,                         -- the worker fanning out, holding the run until lease_until
    lease_until       timestamptz,
    started_at        timestamptz not null default now(),
    fanned_out_at     timestamptz
);

-- Statements: one per account and statement date, however often a run is repeated. The ledger cut-off is explicit:
-- the statement shows the entries booked in [period_start, cutoff) that no earlier statement posted.
create table billing.statement (
    statement_id    uuid primary key,
    account_id      varchar(64) not null references billing.account,
    statement_date  date not null,
    run_id          uuid,
    status          varchar(16) not null check (status in ('ready', 'imported')),
    currency        char(3) not null,
    period_start    timestamptz not null,
    cutoff          timestamptz not null,
    opening_balance numeric(19, 4) not null,
    purchases       numeric(19, 4) not null,
    repayments      numeric(19, 4) not null,
    refunds         numeric(19, 4) not null,
    fees            numeric(19, 4) not null,
    interest        numeric(19, 4) not null,
    adjustments     numeric(19, 4) not null,
    closing_balance numeric(19, 4) not null,
    minimum_due     numeric(19, 4) not null check (minimum_due >= 0),
    past_due        numeric(19, 4) not null check (past_due >= 0),
    due_date        date not null,
    entry_count     int not null,
    created_at      timestamptz not null default now(),
    unique (account_id, statement_date)
);

-- The billing saga: one row per (statement date, account).
create table billing.account_billing (
    correlation_id uuid primary key,
    current_state  varchar(32),
    run_id         uuid not null,
    account_id     varchar(64) not null,
    statement_date date not null,
    step           varchar(32),          -- the step it is on, waiting to retry, or halted at
    step_attempts  int not null default 0,
    halt_reason    varchar(64),
    halt_detail    varchar(1000),
    cutoff         timestamptz,
    statement_id   uuid,
    retry_token_id uuid,
    started_at     timestamptz not null,
    updated_at     timestamptz not null,
    finished_at    timestamptz
);

create index account_billing_run_state on billing.account_billing (run_id, current_state, step);
create index account_billing_halted on billing.account_billing (run_id, step, account_id) where current_state = 'Halted';
