-- A loan's due date falls before its next statement date (issue 19, W3): at most 27 days after the statement, since the
-- shortest cycle is 28 days. The next statement judges whether the minimum was paid; with a later due date no statement
-- would. NOT VALID: a loan stored with a longer due earlier is not rewritten here; its billing halts at `loan` with
-- terms_invalid, naming the rule, until its terms are imported again.
alter table billing.loan drop constraint loan_due_days_check;
alter table billing.loan add constraint loan_due_days_check check (due_days between 21 and 27) not valid;
