-- Stripe webhook events taken, by id: Stripe retries an event until it is acknowledged, and each is taken once.
create table if not exists refunds.stripe_event (
    event_id    varchar(255) primary key,
    type        varchar(100) not null,
    received_at timestamptz not null
);
