-- A run can be paused: its fan-out starts no more accounts until an operator continues it (accounts already started
-- finish). The column-level check of 0015 is named by Postgres after the table and column.
alter table billing.billing_run drop constraint if exists billing_run_status_check;
alter table billing.billing_run add constraint billing_run_status_check
    check (status in ('fanning_out', 'paused', 'fanned_out'));
