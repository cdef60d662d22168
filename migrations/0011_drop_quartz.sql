-- The cron jobs run on Hangfire now (schema hangfire, created by the migrate step with Hangfire.PostgreSql's own
-- installer): Quartz's job store goes, with every table, trigger and node record in it.
drop schema if exists quartz cascade;
