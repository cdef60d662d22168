-- The one attempt that may pay without asking the provider first is a refund's very first fast attempt, the first
-- time any worker starts it. Transport flags cannot tell that: a copy re-sent by the outbox or replayed from an error
-- queue arrives looking fresh. A row here, claimed before the call, can: whoever finds it taken looks up first.
create table if not exists refunds.first_attempt_claim (
    refund_id  uuid primary key,
    claimed_at timestamptz not null default now()
);
