-- A run whose fan-out waits for room while none of its accounts settles is stalled: the fan-out records since when, so
-- GET /billing/runs/{run} and the dashboard show it instead of a run that silently stops moving. Cleared once an account
-- settles again.
alter table billing.billing_run add column stalled_since timestamptz;
alter table billing.billing_run add column stalled_in_flight int;
