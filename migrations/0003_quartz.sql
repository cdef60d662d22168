-- Quartz's ADO.NET job store lived here (schema quartz) until the cron jobs moved to Hangfire; 0011 drops it where
-- it was created. Kept, empty, so the migration history stays as applied.
select 1;
