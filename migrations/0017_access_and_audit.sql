-- Who may do what: staff who log in to the dashboard, machine callers with API keys, and the audit trail of what
-- support and admins did. Passwords are ASP.NET Core Identity hashes; API keys are stored as SHA-256 of the key
-- (a key is 32 random bytes, so a slow hash buys nothing), and the key itself is shown once, when it is made.
create schema if not exists access;

create table if not exists access.staff_user (
    username varchar(64) primary key check (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    display_name varchar(200) not null,
    password_hash text not null,
    roles text[] not null check (cardinality(roles) > 0),
    failed_logins integer not null default 0,
    locked_until timestamptz,
    created_at timestamptz not null default now(),
    created_by varchar(100) not null,
    last_login_at timestamptz,
    disabled_at timestamptz
);

create table if not exists access.api_key (
    key_id uuid primary key,
    name varchar(100) not null unique,
    key_hash bytea not null unique,
    roles text[] not null check (cardinality(roles) > 0),
    created_at timestamptz not null default now(),
    created_by varchar(100) not null,
    last_used_at timestamptz,
    revoked_at timestamptz
);

create schema if not exists audit;

create table if not exists audit.entry (
    entry_id bigint generated always as identity primary key,
    at timestamptz not null default now(),
    actor varchar(100) not null,
    -- user (a person logged in), api_key (a machine caller) or system.
    actor_kind varchar(16) not null,
    action varchar(100) not null,
    entity_type varchar(50) not null,
    entity_id varchar(200) not null,
    before jsonb,
    after jsonb,
    note varchar(1000)
);

create index if not exists entry_at on audit.entry (at desc);
create index if not exists entry_entity on audit.entry (entity_type, entity_id, at desc);
create index if not exists entry_actor on audit.entry (actor, at desc);

-- Append-only: an entry, once written, is neither changed nor removed (a database that is dropped whole still goes).
create or replace function audit.refuse_change() returns trigger language plpgsql as $$
begin
    raise exception 'audit entries are append-only' using errcode = 'P0001';
end $$;

drop trigger if exists entry_append_only on audit.entry;
create trigger entry_append_only before update or delete on audit.entry
    for each row execute function audit.refuse_change();
