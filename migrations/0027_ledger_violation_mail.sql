-- A ledger violation mails support once (issue 19): the first audit that finds a violation (its rule and subject)
-- mails it and records it here; later audits that find it again show it on the dashboard but do not mail it again.
create table billing.ledger_violation_mailed (
    rule           varchar(40) not null,
    subject        varchar(200) not null,
    account_id     varchar(64),
    first_audit_id uuid not null,
    mailed_at      timestamptz not null default now(),
    primary key (rule, subject)
);
