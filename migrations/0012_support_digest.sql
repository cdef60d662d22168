-- The support digest: refunds that entered Failed or NeedsSupport between two digests, one mail per digest.
alter table refunds.refund add column if not exists needs_support_at timestamptz;

create index if not exists refund_failed_at on refunds.refund (failed_at) where failed_at is not null;
create index if not exists refund_needs_support_at on refunds.refund (needs_support_at) where needs_support_at is not null;

create table if not exists refunds.support_digest (
    digest_id    uuid primary key,
    due_at       timestamptz not null,
    -- The window the digest covers: from the previous digest's end (or a day back for the first) to its due time.
    covers_from  timestamptz not null,
    covers_to    timestamptz not null,
    refunds      int not null default 0,
    mail_sent_at timestamptz
);
