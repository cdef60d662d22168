-- A correction is a new statement version, never an edit of what was sent (issue 19, item 10): a re-issue is a statement
-- of its own (its own id, PDF and deliveries) for the same account and date, linked to the version it corrects. The
-- money figures and lines are the corrected version's; what changes is what the holder is called and reached by. The
-- billed statement (version 1) stays the one billing, the ledger and an import reason about.
alter table billing.statement
    add column version               int not null default 1 check (version >= 1),
    add column corrects_statement_id uuid references billing.statement,
    add column reissue_reason        varchar(500),
    add column reissued_by           varchar(200),
    add constraint statement_version_links check ((version = 1) = (corrects_statement_id is null));

-- One billed statement per account and date, as before; its re-issues beside it.
alter table billing.statement drop constraint statement_account_id_statement_date_key;
create unique index statement_billed_per_date on billing.statement (account_id, statement_date) where corrects_statement_id is null;

-- A version is corrected once: two support agents re-issuing the same statement at once make one new version, and a
-- later correction corrects the latest.
create unique index statement_corrected_once on billing.statement (corrects_statement_id) where corrects_statement_id is not null;
