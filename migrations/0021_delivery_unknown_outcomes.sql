-- Exactly once against providers without idempotency (Twilio, the WhatsApp Cloud API, SMTP), and deliveries that settle.
--
-- billing.delivery_call: a call to a provider went out for this delivery and no answer is recorded yet. Written and
-- committed before the call (outside the attempt's transaction), removed when an answer is recorded. An attempt that finds
-- one without an acceptance knows an earlier call's outcome is unknown: it looks the message up (SMS), records the delivery
-- `unknown` (WhatsApp, at most once) or sends again knowingly (e-mail, same Message-ID).
create table billing.delivery_call (
    statement_id    uuid not null,
    channel         varchar(16) not null,
    idempotency_key varchar(100) not null,
    first_called_at timestamptz not null default now(),  -- where a lookup starts
    last_called_at  timestamptz not null default now(),
    primary key (statement_id, channel)
);

-- unknown: settled without knowing whether the provider delivered it (at most once: not sent again; support can retry it).
-- pending: a channel whose message no consumer took (the sweeper records it and publishes the message again).
alter table billing.delivery drop constraint if exists delivery_status_check;
alter table billing.delivery add constraint delivery_status_check
    check (status in ('pending', 'sending', 'retrying', 'sent', 'skipped', 'failed', 'unknown'));

drop index if exists billing.delivery_unsettled;
create index delivery_unsettled on billing.delivery (status, updated_at) where status in ('pending', 'sending', 'retrying');

-- not_delivered: nothing failed and nothing was sent (every channel skipped: the holder opted out or lost their contacts after
-- billing); delivery_reason says why.
alter table billing.statement drop constraint if exists statement_delivery_status_check;
alter table billing.statement add constraint statement_delivery_status_check
    check (delivery_status in ('delivered', 'partly_delivered', 'undelivered', 'not_delivered'));
alter table billing.statement add column if not exists delivery_reason varchar(300);

-- The sweeper's look for statements whose deliveries never started.
create index if not exists statement_undelivered on billing.statement (created_at) where delivery_status is null;

-- The billing saga keeps the statement's outcome beside each channel's.
alter table billing.account_billing add column if not exists delivery_outcome varchar(16);
