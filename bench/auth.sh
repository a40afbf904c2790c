#!/usr/bin/env bash
# Auth benchmark, three workloads, each measured side by side with its bound in one run:
#  1. password sign-in (POST /token?grant_type=password, wrk, 1000 accounts taking turns)
#     against the bcrypt bound: the cost-10 verifications per second this machine does with
#     every core busy (bench_bcrypt);
#  2. a REST GET by primary key (4 connections) next to a sign-in flood (the sign-in workload
#     above) against the same GET alone: how much of the API is left while bcrypt is busy;
#  3. refresh-token rotation (POST /token?grant_type=refresh_token, wrk, every request a fresh
#     token) against pgbench running the same statement Basalt sends (SELECT
#     _basalt.auth_refresh(...), autocommit, as supabase_auth_admin) on the same Postgres with
#     as many connections as Basalt's Auth pool.
# Rate limits are turned off for the run ([auth.rate_limit] token_refresh = 0). Sign-in and
# refresh each take turns with their bound (`rounds` slices of `seconds` each, after one
# uncounted warm-up slice of sign-in and one uncounted round of refresh), so a machine whose
# speed drifts during the run (a shared VM) weighs on both sides alike.
# Usage: bench/auth.sh [seconds] [connections] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
conns="${2:-16}"
rounds="${3:-3}"
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
bash scripts/build.sh build >/dev/null
cmake --build build --target bench_bcrypt >/dev/null
source bench/lib.sh
bench_project authbench
tokens=$(((conns * secs * 500 + 20000) * (rounds + 1)))  # more than either side can use
accounts=1000
sed -i "s/^token_refresh = .*/token_refresh = 0/" "$work/supabase/config.toml"
# One user with a known password (hashed by Basalt's own sign-up below), 1000 more accounts with
# the same password hash for the sign-in workload (sign-ins of one account would all queue on
# its auth.users row, which real sign-in traffic does not), and, per refresh side, a pool of
# sessions each holding one unused refresh token, spread round-robin over those 1000 accounts:
# a refresh writes its user's last_sign_in_at, so refreshes of one account queue on that row
# until commit, as real refresh traffic from many users does not.
cat >"$work/supabase/migrations/20240101000000_bench.sql" <<SQL
create table public.bench_items (id int primary key, body text not null);
insert into public.bench_items select g, 'item ' || g from generate_series(1, 100) g;
grant select on public.bench_items to anon;
create or replace function public.bench_accounts(p_count int) returns void
language plpgsql as \$\$
begin
  insert into auth.users (instance_id, id, aud, role, email, encrypted_password,
                          email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at,
                          updated_at, confirmation_token, recovery_token, email_change_token_new,
                          email_change, email_change_token_current, phone_change,
                          phone_change_token, reauthentication_token)
  select u.instance_id, gen_random_uuid(), u.aud, u.role, 'bench-' || i || '@example.com',
         u.encrypted_password, u.email_confirmed_at, u.raw_app_meta_data, u.raw_user_meta_data,
         now(), now(), '', '', '', '', '', '', '', ''
  from auth.users u, generate_series(1, p_count) i where u.email = 'bench@example.com';
  insert into auth.identities (provider_id, user_id, identity_data, provider, created_at,
                               updated_at)
  select u.id::text, u.id, jsonb_build_object('sub', u.id::text, 'email', u.email,
                                              'email_verified', false, 'phone_verified', false),
         'email', now(), now()
  from auth.users u where u.email like 'bench-%@example.com';
end \$\$;
create or replace function public.bench_sessions(p_prefix text, p_count int) returns void
language sql as \$\$
  with accounts as (
    select id, row_number() over (order by id) - 1 as k, count(*) over () as n
    from auth.users where email like 'bench-%@example.com'),
  sessions as (
    insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent)
    select gen_random_uuid(), a.id, now(), now(), 'aal1', 'bench-' || p_prefix
    from generate_series(0, p_count - 1) g join accounts a on a.k = g % a.n
    returning id, user_id)
  insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at,
                                   session_id)
  select '00000000-0000-0000-0000-000000000000', p_prefix || row_number() over (),
         s.user_id::text, false, now(), now(), s.id
  from sessions s;
\$\$;
SQL
# Basalt as it ships: its Auth pool keeps 5 connections by default. With bcrypt the bottleneck
# on two cores, more pooled backends would only spread Postgres's caches thinner. pgbench, the
# refresh bound, gets as many connections.
auth_pool=5
bench_start BASALT_AUTH_DB_POOL_SIZE="$auth_pool"
curl -fs -X POST "http://127.0.0.1:$port/auth/v1/signup" -H "apikey: $anon" \
  -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"bench password"}' >/dev/null
sock="$work/supabase/.basalt/run"
psql_admin=(psql -qAt -h "$sock" -p "$dbport" -U postgres -d postgres)
"${psql_admin[@]}" -c "select public.bench_accounts($accounts)" >/dev/null
"${psql_admin[@]}" -c "select public.bench_sessions('w-', $tokens)" >/dev/null
"${psql_admin[@]}" -c "select public.bench_sessions('p-', $tokens)" >/dev/null
"${psql_admin[@]}" -c "create sequence public.bench_seq; grant usage on sequence public.bench_seq to supabase_auth_admin" >/dev/null
# Vacuum the freshly filled tables now: left to autovacuum, it runs during the sign-in slices
# (it took about a tenth of the machine there) and weighs on Basalt's side only.
"${psql_admin[@]}" -c "vacuum analyze auth.sessions, auth.refresh_tokens, auth.users, auth.identities" >/dev/null
# Likewise write the setup's dirty pages out now: the checkpoint that would otherwise flush them
# lands in whichever slice it happens to fall.
"${psql_admin[@]}" -c "checkpoint" >/dev/null

printf '%-16s %12s %12s %8s\n' workload "basalt /s" "bound /s" ratio
cat >"$work/signin.lua" <<LUA
wrk.method = "POST"
wrk.headers["apikey"] = "$anon"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil,
    '{"email":"bench-' .. (n % $accounts + 1) .. '@example.com","password":"bench password"}')
end
LUA
# Warm-up, not counted: the first sign-ins after start fill each pooled backend's caches (its
# catalog cache and the compiled PL/pgSQL of the auth functions), a cost paid once per server
# start, not per sign-in.
wrk -t1 -c"$conns" -d"${secs}s" -s "$work/signin.lua" "http://127.0.0.1:$port/auth/v1/token?grant_type=password" >/dev/null
sleep 2
bound=0
signin=0
: >"$work/signin.out"
for _ in $(seq 1 "$rounds"); do
  b=$(./build/bench_bcrypt "$secs" 10)
  wrk -t1 -c"$conns" -d"${secs}s" -s "$work/signin.lua" "http://127.0.0.1:$port/auth/v1/token?grant_type=password" >"$work/signin.slice"
  cat "$work/signin.slice" >>"$work/signin.out"
  sleep 2  # sign-ins still queued when wrk stopped finish before the bound is measured again
  bound=$(awk -v a="$bound" -v b="$b" 'BEGIN { print a + b }')
  signin=$(awk -v a="$signin" -v b="$(awk '/Requests\/sec/ {print $2}' "$work/signin.slice")" 'BEGIN { print a + b }')
done
bound=$(awk -v a="$bound" -v n="$rounds" 'BEGIN { print a / n }')
signin=$(awk -v a="$signin" -v n="$rounds" 'BEGIN { print a / n }')
if grep -q "Non-2xx" "$work/signin.out"; then echo "password_signin: $(grep Non-2xx "$work/signin.out")"; fi
printf '%-16s %12.0f %12.0f %8s\n' password_signin "$signin" "$bound" "$(awk -v a="$signin" -v b="$bound" 'BEGIN { printf "%.2f", a / b }')"

cat >"$work/get.lua" <<LUA
wrk.headers["apikey"] = "$anon"
LUA
get_url="http://127.0.0.1:$port/rest/v1/bench_items?select=id,body&id=eq.42"
alone=$(wrk -t1 -c4 -d"${secs}s" -s "$work/get.lua" "$get_url" | awk '/Requests\/sec/ {print $2}')
wrk -t1 -c"$conns" -d"$((secs + 2))s" -s "$work/signin.lua" "http://127.0.0.1:$port/auth/v1/token?grant_type=password" >/dev/null &
flood=$!
sleep 1
beside=$(wrk -t1 -c4 -d"${secs}s" -s "$work/get.lua" "$get_url" | awk '/Requests\/sec/ {print $2}')
wait "$flood"
sleep 2
printf '%-16s %12.0f %12.0f %8s   (bound: the same GET alone)\n' rest_get_beside "$beside" "$alone" "$(awk -v a="$beside" -v b="$alone" 'BEGIN { printf "%.2f", a / b }')"

# Refresh and its bound take turns too (`rounds` slices each). Every Basalt slice starts its
# tokens past the ones the earlier slices may have sent (each request uses a fresh token).
# What Basalt sends for one refresh: logged in as supabase_auth_admin (the embedded database),
# one autocommit statement.
# A checkpoint, then one uncounted round of both sides first. After a checkpoint, the first
# change to each page writes the whole page to the WAL; a refresh touches random leaves of the
# large token and session indexes, so whichever slice comes first after a checkpoint writes
# several times the WAL of the later ones (its ratio came out 0.84 where the next four were
# 0.98-1.03). The checkpoint also restarts checkpoint_timeout, so the timed checkpoint does not
# land inside the counted rounds either (with 30 s slices it would, about 4.5 min in).
"${psql_admin[@]}" -c "checkpoint" >/dev/null
cat >"$work/refresh.sql" <<'SQL'
SELECT _basalt.auth_refresh(jsonb_build_object('token', 'p-' || nextval('public.bench_seq'), 'new_token', substr(md5(random()::text), 1, 12), 'reuse_interval', 10, 'rotation', true, 'ip', '127.0.0.1', 'user_agent', 'pgbench'));
SQL
ours=0
theirs=0
offset=0
for round in $(seq 0 "$rounds"); do
  cat >"$work/refresh.lua" <<LUA
wrk.method = "POST"
wrk.headers["apikey"] = "$anon"
wrk.headers["Content-Type"] = "application/json"
local n = $offset
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"refresh_token":"w-' .. n .. '"}')
end
LUA
  wrk -t1 -c"$conns" -d"${secs}s" -s "$work/refresh.lua" "http://127.0.0.1:$port/auth/v1/token?grant_type=refresh_token" >"$work/refresh.out"
  if grep -q "Non-2xx" "$work/refresh.out"; then echo "refresh_token: $(grep Non-2xx "$work/refresh.out")"; fi
  o=$(awk '/Requests\/sec/ {print $2}' "$work/refresh.out")
  sent=$(awk '/requests in/ {print $1}' "$work/refresh.out")
  offset=$((offset + sent + 10 * conns))
  t=$(pgbench -n -h "$sock" -p "$dbport" -U supabase_auth_admin -M prepared -c "$auth_pool" -j 1 -T "$secs" -f "$work/refresh.sql" postgres 2>/dev/null | awk '/^tps/ {print $3}')
  [ -n "$o" ] && [ -n "$t" ] || { echo "refresh_token: a side gave no figure"; exit 1; }
  [ "$round" -gt 0 ] || continue  # the warm-up round
  ours=$(awk -v a="$ours" -v b="$o" 'BEGIN { print a + b }')
  theirs=$(awk -v a="$theirs" -v b="$t" 'BEGIN { print a + b }')
done
ours=$(awk -v a="$ours" -v n="$rounds" 'BEGIN { print a / n }')
theirs=$(awk -v a="$theirs" -v n="$rounds" 'BEGIN { print a / n }')
printf '%-16s %12.0f %12.0f %8s   (bound: pgbench, same SQL)\n' refresh_token "$ours" "$theirs" "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u +%F); $conns connections, ${secs}s runs (sign-in and refresh: $rounds alternating slices per side)"
