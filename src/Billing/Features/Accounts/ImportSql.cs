namespace Billing.Features.Accounts;

/// <summary>The statements of an import, in the order AccountImporter runs them in its one transaction.</summary>
static class ImportSql
{
    // Temp tables live as long as the transaction: a rollback or commit leaves the pooled connection clean.
    public const string CreateTempTables = """
        create temp table import_account (
            ordinal int not null, account_id text not null, name text not null, email text, phone text,
            sms_opt_in boolean not null, email_opt_in boolean not null, whatsapp_opt_in boolean not null, locale text not null,
            currency text not null, credit_limit numeric not null, apr numeric not null, day_count text not null,
            statement_day smallint not null, time_zone text not null, minimum_percent numeric not null,
            minimum_floor numeric not null, late_fee numeric not null, due_days smallint not null, opened_on date not null,
            statement_id uuid, statement_date date, closing_balance numeric, minimum_due numeric, due_date date
        ) on commit drop;
        create temp table import_entry (
            account_id text not null, kind text not null, amount numeric(19, 4) not null, currency text not null,
            external_ref text not null, occurred_at timestamptz not null, description text
        ) on commit drop;
        create temp table import_touched (account_id text primary key, created boolean not null) on commit drop;
        """;

    public const string CopyEntries =
        "copy import_entry (account_id, kind, amount, currency, external_ref, occurred_at, description) from stdin (format binary)";

    public const string CopyAccounts = """
        copy import_account (ordinal, account_id, name, email, phone, sms_opt_in, email_opt_in, whatsapp_opt_in, locale,
            currency, credit_limit, apr, day_count, statement_day, time_zone, minimum_percent, minimum_floor, late_fee,
            due_days, opened_on, statement_id, statement_date, closing_balance, minimum_due, due_date) from stdin (format binary)
        """;

    // A loan's currency is what its passbook is kept in: changing it would reprice every entry it has.
    public const string CurrencyChanges = """
        select i.account_id, 'loan.currency ' || i.currency || ' differs from the stored loan''s ' || l.currency || ' (a loan''s currency cannot change)'
        from import_account i join billing.loan l using (account_id)
        where l.currency <> i.currency
        order by i.ordinal
        limit 100
        """;

    // Two kinds of conflict, both refusing the import: one ref with two contents in the import, and a ref already
    // booked with other content. The same ref with the same content is "already present", not a conflict.
    public const string Conflicts = """
        -- Repeated refs are found by hashing first (cheap over millions of rows); only those few are compared.
        with repeated as (select external_ref from import_entry group by external_ref having count(*) > 1),
        in_import as (
            select external_ref, 'the import has this ref twice with different content' as reason
            from import_entry join repeated using (external_ref) group by external_ref
            having count(distinct (account_id, kind, amount, occurred_at, description)) > 1),
        in_passbook as (
            select distinct on (i.external_ref) i.external_ref,
                'differs from passbook entry ' || p.entry_id || ' (' || p.account_id || ', ' || p.kind || ', ' || p.amount || ' '
                    || p.currency || ' at ' || p.occurred_at || ') booked under this ref' as reason
            from import_entry i join billing.passbook_entry p using (external_ref)
            where (p.account_id, p.kind, p.amount, p.occurred_at, p.description)
                is distinct from (i.account_id, i.kind, i.amount, i.occurred_at, i.description)
            order by i.external_ref),
        both_kinds as (select * from in_import union all select * from in_passbook)
        select external_ref, reason, count(*) over () from both_kinds order by external_ref limit 100
        """;

    // Billing and the import of one account take turns (issue 19, W1 and M5): a billing holds its account's loan row
    // (AccountReads), and the import takes every loan it will write under, in key order, before writing anything. Then
    // the import's clock is read once, after the wait: every statement and entry it writes carries it, so an entry that
    // commits after a billing of its account is recorded after that statement was written (a late posting on the next
    // statement), and one that committed before it is on it. Repayments do not take the loan row and never wait on either.
    public const string LockLoansAndReadClock = """
        select count(*) from (
            select 1 from billing.loan
            where account_id in (select account_id from import_account union select account_id from import_entry)
            order by account_id
            for no key update) locked;
        select set_config('billing.import_clock', clock_timestamp()::text, true);
        """;

    // Only rows that differ are written, so a repeated import leaves updated_at alone.
    public const string UpsertAccounts = """
        with upserted as (
            insert into billing.account as a (account_id, name, email, phone, sms_opt_in, email_opt_in, whatsapp_opt_in, locale)
            select account_id, name, email, phone, sms_opt_in, email_opt_in, whatsapp_opt_in, locale from import_account order by ordinal
            on conflict (account_id) do update set
                name = excluded.name, email = excluded.email, phone = excluded.phone, sms_opt_in = excluded.sms_opt_in,
                email_opt_in = excluded.email_opt_in, whatsapp_opt_in = excluded.whatsapp_opt_in, locale = excluded.locale,
                updated_at = now()
            where (a.name, a.email, a.phone, a.sms_opt_in, a.email_opt_in, a.whatsapp_opt_in, a.locale)
                is distinct from (excluded.name, excluded.email, excluded.phone, excluded.sms_opt_in, excluded.email_opt_in,
                                  excluded.whatsapp_opt_in, excluded.locale)
            returning account_id, xmax = 0 as created)
        insert into import_touched select account_id, created from upserted
        """;

    public const string UpsertLoans = """
        with upserted as (
            insert into billing.loan as l (account_id, currency, credit_limit, apr, day_count, statement_day, time_zone,
                minimum_percent, minimum_floor, late_fee, due_days, opened_on)
            select account_id, currency, credit_limit, apr, day_count, statement_day, time_zone, minimum_percent,
                minimum_floor, late_fee, due_days, opened_on
            from import_account order by ordinal
            on conflict (account_id) do update set
                currency = excluded.currency, credit_limit = excluded.credit_limit, apr = excluded.apr,
                day_count = excluded.day_count, statement_day = excluded.statement_day, time_zone = excluded.time_zone,
                minimum_percent = excluded.minimum_percent, minimum_floor = excluded.minimum_floor,
                late_fee = excluded.late_fee, due_days = excluded.due_days, opened_on = excluded.opened_on, updated_at = now()
            where (l.currency, l.credit_limit, l.apr, l.day_count, l.statement_day, l.time_zone, l.minimum_percent,
                   l.minimum_floor, l.late_fee, l.due_days, l.opened_on)
                is distinct from (excluded.currency, excluded.credit_limit, excluded.apr, excluded.day_count,
                   excluded.statement_day, excluded.time_zone, excluded.minimum_percent, excluded.minimum_floor,
                   excluded.late_fee, excluded.due_days, excluded.opened_on)
            returning account_id)
        -- A changed loan under an unchanged account still makes the account "updated".
        insert into import_touched select account_id, false from upserted on conflict (account_id) do nothing
        """;

    public const string CountTouched =
        "select (count(*) filter (where created))::int, (count(*) filter (where not created))::int from import_touched";

    // An imported statement carries what the next statement needs (closing balance, minimum, due date); the period's
    // other figures are 0. Its period is the statement date's local midnight, the cut-off of the statement it stands
    // for. A statement a billing run made ('ready') is never overwritten by an import.
    public const string UpsertStatements = """
        with upserted as (
            insert into billing.statement as s (statement_id, account_id, statement_date, status, currency, period_start, cutoff,
                opening_balance, purchases, repayments, refunds, fees, interest, adjustments, closing_balance, minimum_due,
                past_due, due_date, entry_count, created_at)
            select statement_id, account_id, statement_date, 'imported', currency,
                statement_date::timestamp at time zone time_zone, statement_date::timestamp at time zone time_zone,
                0, 0, 0, 0, 0, 0, 0, closing_balance, minimum_due, 0, due_date, 0, current_setting('billing.import_clock')::timestamptz
            from import_account where statement_date is not null order by ordinal
            on conflict (account_id, statement_date) where corrects_statement_id is null do update set
                currency = excluded.currency, closing_balance = excluded.closing_balance,
                minimum_due = excluded.minimum_due, due_date = excluded.due_date
            where s.status = 'imported'
                and (s.currency, s.closing_balance, s.minimum_due, s.due_date)
                    is distinct from (excluded.currency, excluded.closing_balance, excluded.minimum_due, excluded.due_date)
            returning xmax = 0 as created)
        select (count(*) filter (where created))::int, (count(*) filter (where not created))::int from upserted
        """;

    // History counts when it happened: booked_at = occurred_at. A ref already booked (same content, checked above)
    // or repeated in the import is skipped.
    public const string InsertEntries = """
        insert into billing.passbook_entry (account_id, kind, amount, currency, external_ref, occurred_at, booked_at, description, recorded_at)
        select account_id, kind, amount, currency, external_ref, occurred_at, occurred_at, description,
            current_setting('billing.import_clock')::timestamptz from import_entry
        on conflict (external_ref) do nothing
        """;
}
