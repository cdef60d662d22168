-- A scheduled message that failed Scheduler:MaxSendAttempts times is set aside here, out of the dispatcher's way, with
-- why, for an operator to look at and replay (README, "Message scheduler").
create table if not exists messaging.scheduled_message_set_aside (
    token_id            uuid        primary key,
    due_at              timestamptz not null,
    message_id          uuid        not null,
    conversation_id     uuid,
    correlation_id      uuid,
    initiator_id        uuid,
    request_id          uuid,
    source_address      text,
    destination_address text,
    response_address    text,
    fault_address       text,
    sent_time           timestamptz not null,
    expiration_time     timestamptz,
    headers             text,
    properties          text,
    content_type        text        not null,
    message_type        text        not null,
    body                text        not null,
    send_attempts       int         not null,
    last_error          text,
    set_aside_at        timestamptz not null default now()
);

-- Tokens that fired or were cancelled: a ScheduleMessage for one of them (a duplicate delivered late, or a schedule
-- overtaken by its own cancel) is ignored. Kept for Inbox:DuplicateDetectionWindow, like inbox rows.
create table if not exists messaging.schedule_tombstone (
    token_id uuid        primary key,
    reason   text        not null check (reason in ('fired', 'cancelled')),
    at       timestamptz not null default now()
);
create index if not exists schedule_tombstone_at on messaging.schedule_tombstone (at);

-- The sweeper puts off an orphan whose messages cannot be sent, with a growing wait, so it does not hold up the others.
alter table messaging.inbox_state add column if not exists sweep_attempts int not null default 0;
alter table messaging.inbox_state add column if not exists sweep_after timestamptz;
alter table messaging.inbox_state add column if not exists last_sweep_error text;
-- The sweeper's claim: consumed but undelivered, oldest first.
create index if not exists inbox_state_undelivered on messaging.inbox_state (consumed)
    where consumed is not null and delivered is null;
