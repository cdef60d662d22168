-- Quartz's ADO.NET job store: the cron jobs of src/Billing/Features/Scheduling, shared by every worker (clustered).
create schema if not exists quartz;

-- The tables are Quartz's own script for Postgres, embedded in the Quartz assembly we run, rather than a copy here that
-- could drift from it. The migrator expands the line below (Migrator.Includes) with the table prefix quartz.qrtz_.
-- The script only creates what is missing and never drops. A Quartz upgrade that changes these tables needs a
-- migration of its own (Quartz ships its upgrade scripts under database/migrations in its repository).
--! include quartz-job-store
