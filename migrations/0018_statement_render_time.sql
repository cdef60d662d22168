-- How long a statement's PDF took, from asking for the render to the file in place (in batched mode that includes the
-- wait for its batch to fill and print), so the dashboard's analytics can show render times without a metrics backend.
alter table billing.statement add column if not exists render_ms integer;
