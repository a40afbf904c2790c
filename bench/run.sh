#!/usr/bin/env bash
# Runs Basalt's request transaction three ways against one embedded Postgres and prints the
# ratios: pgbench without pipelining (what a driver sending statements one by one does),
# pgbench with pipelining, and Basalt's db layer (bench_db_pipeline). Same SQL, same data,
# same number of connections. Usage: bench/run.sh [seconds] [clients]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
clients="${2:-16}"
bash scripts/build.sh build >/dev/null
work=$(mktemp -d /tmp/basalt-bench-XXXXXX)
chmod 755 "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dbport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
./build/basalt init --workdir "$work" >/dev/null
sed -i "0,/^port = 54321/s//port = $port/; 0,/^port = 54322/s//port = $dbport/" "$work/supabase/config.toml"
BASALT_LOG_LEVEL=warn ./build/basalt start --workdir "$work" >"$work/basalt.log" 2>&1 &
basalt_pid=$!
cleanup() { kill "$basalt_pid" 2>/dev/null; wait "$basalt_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
sock="$work/supabase/.basalt/run"
rows=10000
psql -q -h "$sock" -p "$dbport" -U postgres -d postgres -v ON_ERROR_STOP=1 <<SQL
create table public.bench_notes (id int primary key, user_id uuid not null, body text not null);
insert into public.bench_notes
  select i, '11111111-1111-4111-8111-111111111111', 'note ' || i from generate_series(1, $rows) i;
alter table public.bench_notes enable row level security;
create policy own on public.bench_notes for select to authenticated using (user_id = auth.uid());
analyze public.bench_notes;
SQL

claims='{"sub":"11111111-1111-4111-8111-111111111111","role":"authenticated"}'
ctx="select set_config('role', 'authenticated', true), set_config('request.jwt.claims', '$claims', true), set_config('request.method', 'GET', true), set_config('request.path', '/bench_notes', true), set_config('request.headers', '{}', true), set_config('request.cookies', '{}', true), set_config('search_path', '\"public\", \"extensions\"', true);"
cat >"$work/plain.sql" <<SQL
\set id random(1, $rows)
BEGIN;
$ctx
select id, body from public.bench_notes where id = :id;
COMMIT;
SQL
cat >"$work/pipelined.sql" <<SQL
\set id random(1, $rows)
\startpipeline
BEGIN;
$ctx
select id, body from public.bench_notes where id = :id;
COMMIT;
\endpipeline
SQL
pgb() { pgbench -n -h "$sock" -p "$dbport" -U authenticator -M prepared -c "$clients" -j 1 -T "$secs" -f "$1" postgres 2>/dev/null | awk '/^tps/ {print int($3)}'; }
plain=$(pgb "$work/plain.sql")
piped=$(pgb "$work/pipelined.sql")
ours=$(./build/bench_db_pipeline "host=$sock port=$dbport user=authenticator dbname=postgres" "$clients" "$secs" "$rows")
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u +%F)"
echo "request transaction (BEGIN, role+claims, select by id under RLS, COMMIT), $clients connections, ${secs}s each"
printf '%-34s %8s tps\n' "pgbench, one statement at a time" "$plain" "pgbench, pipelined" "$piped" "basalt db layer (run_as)" "$ours"
awk -v o="$ours" -v a="$plain" -v b="$piped" 'BEGIN { printf "basalt / pgbench unpipelined: %.2f\nbasalt / pgbench pipelined:   %.2f\n", o/a, o/b }'
