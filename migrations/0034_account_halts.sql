-- Every halt of an account's billing, kept (issue 21): the saga row holds only the latest, and a resume clears it, so the
-- account page could not show that an account halted at validation, was resumed and halted there again. Written by the
-- billing saga in the transaction that halts it; resumes are the audit trail's (billing.resume, billing.resume_step).
create table billing.account_halt (
    halt_id        bigint generated always as identity primary key,
    billing_id     uuid not null,          -- the saga's correlation id: (statement date, account)
    run_id         uuid not null,
    account_id     varchar(64) not null,
    statement_date date not null,
    step           varchar(32) not null,
    reason         varchar(64) not null,
    detail         varchar(1000),
    halted_at      timestamptz not null
);

create index account_halt_account on billing.account_halt (account_id, halted_at desc);

-- The halts there are now, so an account halted before this migration has its history begin there.
insert into billing.account_halt (billing_id, run_id, account_id, statement_date, step, reason, detail, halted_at)
select correlation_id, run_id, account_id, statement_date, coalesce(step, 'unknown'), coalesce(halt_reason, 'unknown'), halt_detail, updated_at
from billing.account_billing where current_state = 'Halted';
