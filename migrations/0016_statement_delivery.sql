-- Statement delivery: the PDF (where it is stored, its hash, size and pages) and one delivery record per statement and
-- channel (sms, pdf, email, whatsapp), with its idempotency key, provider message id, attempts and outcome.

alter table billing.statement
    add column pdf_path        varchar(500),
    add column pdf_sha256      char(64),
    add column pdf_bytes       int,
    add column pdf_pages       int,
    add column rendered_at     timestamptz,
    -- Set once every channel has settled: delivered (all sent or skipped), partly_delivered, undelivered (none sent).
    add column delivery_status varchar(16) check (delivery_status in ('delivered', 'partly_delivered', 'undelivered')),
    add column delivered_at    timestamptz;

create table billing.delivery (
    statement_id        uuid not null references billing.statement,
    channel             varchar(16) not null check (channel in ('sms', 'pdf', 'email', 'whatsapp')),
    -- retrying: the last attempt failed in a way a later one may fix; next_attempt_at says when.
    status              varchar(16) not null check (status in ('sending', 'retrying', 'sent', 'skipped', 'failed')),
    idempotency_key     varchar(100) not null unique,  -- sent with every provider call for it: a repeat is the same message
    recipient           varchar(254),
    provider_message_id varchar(200),
    media_id            varchar(200),                  -- WhatsApp: the uploaded PDF, kept so a repeat is the same request
    attempts            int not null default 0,
    reason              varchar(64),                   -- why skipped or failed: opted_out, no_email, provider code…
    last_error          varchar(1000),
    next_attempt_at     timestamptz,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    settled_at          timestamptz,
    primary key (statement_id, channel)
);

create index delivery_unsettled on billing.delivery (status, updated_at) where status in ('sending', 'retrying');

alter table billing.account_billing
    add column delivery     varchar(200),   -- each channel's outcome once delivery settled, e.g. sms:sent email:sent whatsapp:skipped
    add column delivered_at timestamptz;

create index statement_run on billing.statement (run_id);

-- A provider's acceptance, committed the moment it answers (outside the attempt's transaction, which may still roll
-- back): a repeat of the attempt finds it and calls nobody. For SMTP, which has no idempotency, this leaves a duplicate
-- possible only when a process dies between the server's 250 and this one-row insert.
create table billing.delivery_accepted (
    statement_id        uuid not null,
    channel             varchar(16) not null,
    provider_message_id varchar(200),
    accepted_at         timestamptz not null default now(),
    primary key (statement_id, channel)
);
