-- Refunds: one saga row per refund (keyed by the refund id, derived from the caller's idempotency key), its
-- attempt history, the payments whose refundable balance intake checks, and the daily reconciler's runs.
create schema if not exists refunds;

create table refunds.refund (
    correlation_id      uuid primary key,
    current_state       varchar(32),
    idempotency_key     varchar(255) not null unique,
    request_fingerprint varchar(64) not null,
    payment_id          varchar(100) not null,
    amount              numeric(19, 4) not null check (amount > 0),
    currency            char(3) not null,
    method              varchar(32) not null,
    reason              varchar(500),
    requested_by        varchar(100),
    requested_at        timestamptz not null,
    attempt_count       int not null default 0,
    key_generation      int not null default 0,
    last_attempt_at     timestamptz,
    last_error_code     varchar(100),
    last_error_message  varchar(1000),
    next_attempt_at     timestamptz,
    provider_refund_id  varchar(100),
    refunded_at         timestamptz,
    failed_at           timestamptz,
    reconcile_run_id    uuid,
    manual_retry_by     varchar(100),
    manual_retry_at     timestamptz,
    updated_at          timestamptz not null
);

-- The list endpoint filters by status, method and time; intake sums a payment's refunds.
create index refund_state_method_requested on refunds.refund (current_state, method, requested_at desc);
create index refund_requested on refunds.refund (requested_at desc);
create index refund_payment on refunds.refund (payment_id);

create table refunds.refund_attempt (
    refund_id          uuid not null,
    attempt_number     int not null,
    lane               varchar(16) not null,
    method             varchar(32) not null,
    outcome            varchar(16) not null,
    error_code         varchar(100),
    error_message      varchar(1000),
    provider_refund_id varchar(100),
    looked_up          boolean not null default false,
    requested_by       varchar(100),
    attempted_at       timestamptz not null,
    primary key (refund_id, attempt_number)
);

-- Error statistics group failed attempts by day, method and cause.
create index refund_attempt_failures on refunds.refund_attempt (attempted_at) where outcome <> 'paid';

-- Payments the refund service knows (the ledger records repayments here; the demo and tests seed it).
-- Intake refuses a refund above what is still refundable on a known payment; unknown payments are not checked.
create table refunds.payment (
    payment_id varchar(100) primary key,
    amount     numeric(19, 4) not null check (amount > 0),
    currency   char(3) not null,
    method     varchar(32) not null,
    paid_at    timestamptz not null default now()
);

create table refunds.reconciler_run (
    run_id        uuid primary key,
    trigger       varchar(200) not null,
    due_at        timestamptz not null,
    started_at    timestamptz not null,
    expected      int not null,
    refunded      int not null default 0,
    needs_support int not null default 0,
    skipped       int not null default 0,
    completed_at  timestamptz,
    mail_sent_at  timestamptz
);

create table refunds.reconciler_run_item (
    run_id    uuid not null references refunds.reconciler_run (run_id),
    refund_id uuid not null,
    outcome   varchar(16),
    primary key (run_id, refund_id)
);
