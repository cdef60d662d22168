-- What an audit could not check, as notes beside its result (issue 19): a provider whose own ledger of refunds could not
-- be read is a note on the audit, not a failed audit and not a violation for each refund it would have confirmed.
alter table billing.ledger_audit add column notes text[] not null default '{}';
