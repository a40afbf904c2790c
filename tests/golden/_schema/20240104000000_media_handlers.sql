-- Media type handlers (PostgREST's): domains named after a media type, returned by scalar
-- functions and by aggregates over a table's rows; and the response.headers/status settings.
create domain "text/plain" as text;
create domain "application/octet-stream" as bytea;
create domain "text/tab-separated-values" as text;
create domain "*/*" as bytea;

create table public.media_notes (id int primary key, body text, note text);
insert into public.media_notes values (1, 'first', null), (2, 'second', 'has a note');
grant select on public.media_notes to anon;

create function public.note_text(id int) returns "text/plain"
language sql stable as $$ select body from public.media_notes n where n.id = note_text.id $$;

create function public.note_bytes(id int) returns "application/octet-stream"
language sql stable as $$
  select convert_to(body, 'UTF8') || '\x00ff'::bytea from public.media_notes n
  where n.id = note_bytes.id
$$;

-- An any handler: answers every Accept, here as HTML through response.headers.
create function public.note_page(id int) returns "*/*"
language sql stable as $$
  select set_config('response.headers', '[{"Content-Type": "text/html; charset=utf-8"}]', true);
  select convert_to('<p>' || body || '</p>', 'UTF8') from public.media_notes n
  where n.id = note_page.id
$$;

-- A table handler: rows as tab-separated lines.
create function public.media_notes_tsv_step(state "text/tab-separated-values",
                                            next public.media_notes)
returns "text/tab-separated-values"
language sql immutable as $$
  select state || next.id || E'\t' || coalesce(next.body, '') || E'\n'
$$;
create aggregate public.media_notes_tsv(public.media_notes) (
  initcond = '', stype = "text/tab-separated-values", sfunc = public.media_notes_tsv_step
);

-- response.status and response.headers.
create function public.teapot() returns json
language sql volatile as $$
  select set_config('response.status', '418', true);
  select set_config('response.headers',
    '[{"X-Brew": "green"}, {"Set-Cookie": "a=1"}, {"Set-Cookie": "b=2"}, '
    '{"Content-Type": "application/x-tea"}]', true);
  select '{"short": "and stout"}'::json
$$;
create function public.bad_status() returns int
language sql volatile as $$ select set_config('response.status', 'teapot', true); select 1 $$;
create function public.bad_headers() returns int
language sql volatile as $$ select set_config('response.headers', '{"X-A": "b"}', true); select 1 $$;
grant execute on function public.teapot(), public.bad_status(), public.bad_headers() to anon;
