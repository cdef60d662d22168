-- The ledger auditor (issue 19): each audit checks every account, statement, repayment and refund against the rules in
-- docs/passbook.md and records what breaks one, with the account, the rule and the figures.
create table billing.ledger_audit (
    audit_id          uuid primary key,
    requested_by      varchar(100) not null,
    status            varchar(16) not null check (status in ('running', 'finished', 'failed')),
    accounts          int not null default 0,       -- accounts to check, counted at the start
    accounts_checked  int not null default 0,
    violations        int not null default 0,
    started_at        timestamptz not null default now(),
    finished_at       timestamptz,
    error             varchar(1000)
);

create table billing.ledger_violation (
    audit_id   uuid not null references billing.ledger_audit on delete cascade,
    rule       varchar(40) not null,
    account_id varchar(64),
    subject    varchar(200) not null,              -- the statement, refund or repayment the rule was checked on
    expected   numeric(19, 4),
    actual     numeric(19, 4),
    detail     varchar(1000) not null,
    primary key (audit_id, rule, subject)
);
