-- MassTransit's inbox, outbox and message scheduler on Postgres (src/Billing.Infrastructure/Messaging).
create schema if not exists messaging;

-- One row per (consumed message, consumer). The primary key detects duplicates; the row lock serialises
-- concurrent redeliveries of the same message.
create table messaging.inbox_state (
    message_id           uuid        not null,
    consumer_id          uuid        not null,
    received             timestamptz not null,
    receive_count        integer     not null,
    consumed             timestamptz,
    delivered            timestamptz,
    last_sequence_number bigint,
    primary key (message_id, consumer_id)
);
-- Cleanup removes rows delivered longer ago than the duplicate-detection window.
create index inbox_state_delivered on messaging.inbox_state (delivered) where delivered is not null;

-- What a consumer published or sent, written in the consumer's transaction, sent after it commits.
create table messaging.outbox_message (
    sequence_number     bigint generated always as identity primary key,
    inbox_message_id    uuid        not null,
    inbox_consumer_id   uuid        not null,
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
    body                text        not null
);
create index outbox_message_inbox on messaging.outbox_message (inbox_message_id, inbox_consumer_id, sequence_number);

-- Messages to send later (scheduled redelivery, saga timeouts). One row per schedule token.
create table messaging.scheduled_message (
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
    body                text        not null
);
create index scheduled_message_due on messaging.scheduled_message (due_at);
