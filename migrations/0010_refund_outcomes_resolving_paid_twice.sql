-- Refunds whose provider may have paid are resolved by lookups before anything else happens to them, a second
-- provider refund for one refund is flagged, and rejected internal requests are kept with their reason.
alter table refunds.refund
    -- True from an attempt that may have paid (timeout, connection lost, pending, replayed 5xx) until a lookup answers.
    add column if not exists payment_uncertain boolean not null default false,
    -- Where a Resolving refund goes when its lookups show nothing was paid: Failed or NeedsSupport.
    add column if not exists resolve_then varchar(32),
    -- Attempts (or lookups) made in the refund's current lane: the slow lane's count, the resolving lookups' count.
    add column if not exists lane_attempts int not null default 0,
    -- The paid-twice alarm: a second, different provider refund for this refund.
    add column if not exists second_provider_refund_id varchar(100),
    add column if not exists paid_twice_at timestamptz;

create index if not exists refund_paid_twice on refunds.refund (paid_twice_at) where paid_twice_at is not null;

-- A RequestRefund the saga refused from a caller that did not wait for the answer (an internal sender): nothing else
-- would remember it. Refusals answered over HTTP are not kept (the caller got its 400/409).
create table if not exists refunds.rejected_request (
    refund_id       uuid not null,
    idempotency_key varchar(255) not null,
    payment_id      varchar(100),
    amount          numeric(38, 10),
    currency        varchar(8),
    method          varchar(32),
    requested_by    varchar(100),
    code            varchar(64) not null,
    detail          varchar(2000) not null,
    rejected_at     timestamptz not null,
    primary key (refund_id, code)
);
