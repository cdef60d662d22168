-- The runs list's health column counts each run's failed deliveries: a partial index holds only those (rare), so the
-- count reads a few rows per run instead of every delivery.
create index delivery_failed on billing.delivery (statement_id) where status in ('failed', 'unknown');
