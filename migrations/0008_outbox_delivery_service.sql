-- The outbox delivery service (src/Billing.Infrastructure/Messaging/Outbox/OutboxDeliveryService.cs) sends every committed
-- outbox row; consumers no longer deliver their own, and the sweeper that finished abandoned ones is gone.

-- A row whose send failed waits until send_after, with its count and reason; the claim walks the primary key.
alter table messaging.outbox_message add column if not exists send_attempts int not null default 0;
alter table messaging.outbox_message add column if not exists last_error text;
alter table messaging.outbox_message add column if not exists send_after timestamptz;

-- Rows that failed Outbox:MaxSendAttempts times, out of the way, for an operator to look at and replay (README).
create table if not exists messaging.outbox_message_set_aside (
    like messaging.outbox_message,
    set_aside_at timestamptz not null default now()
);

-- Nothing reads the outbox by inbox row any more; one index less to keep up on every commit.
drop index if exists messaging.outbox_message_inbox;

-- Delivered now means "handed to the delivery service", set with consumed. Rows consumed before this migration own
-- outbox rows that the delivery service sends; mark them so the cleanup removes them in time.
update messaging.inbox_state set delivered = consumed where consumed is not null and delivered is null;

drop index if exists messaging.inbox_state_undelivered;
alter table messaging.inbox_state drop column if exists sweep_attempts;
alter table messaging.inbox_state drop column if exists sweep_after;
alter table messaging.inbox_state drop column if exists last_sweep_error;
alter table messaging.inbox_state drop column if exists last_sequence_number;
