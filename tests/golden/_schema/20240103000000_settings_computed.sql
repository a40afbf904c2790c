-- Fixture for rest/settings.http (per-role and per-function settings, Prefer: timezone, the
-- plan media type) and rest/computed.http (computed relationships).

-- What a setting is inside a request's transaction.
create function public.setting_of(name text) returns text
language sql stable as $$ select current_setting(name, true) $$;

-- A function whose SET clause is hoisted into the transaction: its 50 ms timeout covers the
-- whole statement (a SET clause alone would not cut its own statement short).
create function public.sleepy_with_timeout() returns text
language sql set statement_timeout = '50ms' as $$ select pg_sleep(1)::text $$;
-- search_path is not in db-hoisted-tx-settings: the transaction keeps its own.
create function public.search_path_inside() returns text
language sql stable set search_path = pg_catalog as $$ select current_setting('search_path') $$;

create table public.settings_times (
  id int primary key,
  t timestamptz not null
);
insert into public.settings_times values (1, '2023-10-18 12:37:59.611+00');

-- PostgREST's in-database configuration for the login role: the plan media type is on (as
-- Supabase's docs suggest, with a schema reload; here the first load sees it).
alter role authenticator set pgrst.db_plan_enabled = 'true';

-- Computed relationships: no foreign keys, only functions taking a row.
create table public.cr_authors (
  id int primary key,
  name text not null
);
create table public.cr_books (
  id int primary key,
  author_id int not null,
  title text not null,
  year int not null
);
insert into public.cr_authors values (1, 'Le Guin'), (2, 'Lem'), (3, 'Nobody');
insert into public.cr_books values
  (1, 1, 'The Dispossessed', 1974), (2, 1, 'The Lathe of Heaven', 1971),
  (3, 2, 'Solaris', 1961);
grant select on public.cr_authors, public.cr_books to anon, authenticated;
grant insert, delete on public.cr_books to anon;

-- to-many: SETOF
create function public.books(public.cr_authors) returns setof public.cr_books
language sql stable as $$ select * from public.cr_books where author_id = $1.id $$;
-- to-one: a single row (ROWS 1 on a SETOF would do too)
create function public.author(public.cr_books) returns public.cr_authors
language sql stable as $$ select * from public.cr_authors where id = $1.author_id $$;
create function public.newest_book(public.cr_authors) returns setof public.cr_books rows 1
language sql stable as $$
  select * from public.cr_books where author_id = $1.id order by year desc limit 1
$$;
