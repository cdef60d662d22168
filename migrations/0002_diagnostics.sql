-- Self-check sagas and consumers (src/Billing/Features/Diagnostics).
create schema if not exists diagnostics;

create table diagnostics.tally_state (
    correlation_id uuid        primary key,
    current_state  varchar(64),  -- null only for an instance pre-inserted by its first event (InsertOnInitial)
    expected_count integer,
    applied        integer[]   not null,
    completed_at   timestamptz
);

create table diagnostics.tally_receipt (
    tally_id    uuid        primary key,
    count       integer     not null,
    effects     integer     not null,
    received_at timestamptz not null
);

create table diagnostics.probe_attempt (
    probe_id         uuid        not null,
    redelivery_count integer     not null,
    attempted_at     timestamptz not null,
    primary key (probe_id, redelivery_count)
);

create table diagnostics.ping_receipt (
    ping_id       uuid        primary key,
    scheduled_for timestamptz not null,
    received_at   timestamptz not null,
    effects       integer     not null
);
