-- How long a statement's PDF took, from asking for the render to the file in place (in batched mode that includes the
-- wait for its batch to fill and print), so the dashboard's analytics can show render times without a metrics backend.
alter table billing.statement add column if not exists render_ms integer;

-- The key that signs statement short links (/s/{code}), made here once so that every API and worker process of this
-- database signs alike with nothing in configuration; Statements:Delivery:LinkSecret overrides it. 244 random bits.
create table if not exists billing.link_secret (
    only_row boolean primary key default true check (only_row),
    secret bytea not null,
    created_at timestamptz not null default now()
);
insert into billing.link_secret (secret)
values (decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'))
on conflict do nothing;
