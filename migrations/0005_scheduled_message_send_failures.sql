-- A scheduled message that cannot be sent (an address no transport knows, say) is tried again later with a growing
-- wait instead of holding up every message due after it: how often it failed and why stay on its row.
alter table messaging.scheduled_message add column if not exists send_attempts int not null default 0;
alter table messaging.scheduled_message add column if not exists last_error text;
