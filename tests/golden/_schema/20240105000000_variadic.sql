-- VARIADIC parameters (PostgREST's variadic_param / sayhello_variadic fixtures, our own text).
create function public.echo_words(variadic words text[] default '{}') returns text[]
language sql immutable as $$ select words $$;
create function public.greet_all(greeting text, variadic names text[]) returns text
language sql immutable as $$ select greeting || ', ' || array_to_string(names, ' and ') $$;
create function public.sum_ints(variadic n int[]) returns int
language sql immutable as $$ select sum(x)::int from unnest(n) x $$;
