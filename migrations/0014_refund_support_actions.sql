-- Support's own ends of a refund (resolved by hand, cancelled), with who, when and why, and the searches support runs.
alter table refunds.refund
    add column if not exists closed_by varchar(100),
    add column if not exists closed_at timestamptz,
    add column if not exists close_note varchar(1000),
    -- False for a refund cancelled or resolved as not to be paid: it no longer uses up the payment's refundable balance.
    add column if not exists counts_against_payment boolean not null default true;

create index if not exists refund_provider_refund on refunds.refund (provider_refund_id) where provider_refund_id is not null;
