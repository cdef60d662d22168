-- A statement is frozen when billed (issue 19, W2): what it shows is stored in the billing transaction, and rendering,
-- the dashboard and a re-render after a support retry read only this, so a back-dated import, a rate change or a new
-- name after billing changes no statement already made. Statements billed before this migration (snapshot_at null) are
-- still drawn from live data.
alter table billing.statement
    add column holder_name  varchar(200),
    add column locale       varchar(35),
    add column time_zone    varchar(64),
    add column apr          numeric(9, 6),
    add column credit_limit numeric(19, 4),
    add column snapshot_at  timestamptz;

-- The statement's lines, in the order it lists them: the period's entries, its late postings, and the interest and late
-- fee it posted. booked_on is the local date in the loan's time zone.
create table billing.statement_line (
    statement_id uuid not null references billing.statement on delete cascade,
    line_no      int not null,
    booked_on    date not null,
    kind         varchar(16) not null,
    description  varchar(500) not null,
    amount       numeric(19, 4) not null,
    primary key (statement_id, line_no)
);
