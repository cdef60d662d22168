-- The dashboard's account page and header search (issue 21): every lookup by something support is told on a call is
-- one index scan at a million accounts. Ids (account, refund, statement, gateway payment) already have their keys;
-- refunds by payment and by provider refund id have theirs (0004, 0014).

-- A holder's name by its start, case-insensitive, listed in name order: lower(name) collate "C" like 'karin s%' reads a
-- range of this index in the order the list shows (byte-wise, so the prefix is a range whatever the database's
-- collation), and stops at the list's length; "k" alone reads 50 rows, not the 100,000 Karins and Kims.
create index account_name_prefix on billing.account ((lower(name) collate "C"), account_id);

-- An e-mail as typed, whatever its case; a phone as stored (E.164).
create index account_email on billing.account (lower(email));
create index account_phone on billing.account (phone);

-- The account page's parts read by account: statements of every version (statement_billed_per_date covers billed
-- ones only), the excesses (for its refunds), and where it is halted across runs.
create index statement_account on billing.statement (account_id, statement_date);
create index excess_refund_account on billing.excess_refund (account_id);
create index account_billing_account on billing.account_billing (account_id) where current_state = 'Halted';
