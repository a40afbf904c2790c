# Shared by the HTTP benchmarks (bench/rest.sh, bench/auth.sh); source it from the repo root.
# bench_project NAME: a throw-away `basalt init` project on free ports. Sets work, port, dbport,
#   secret; the caller adds migrations and config before starting.
# bench_start [VAR=value ...]: starts Basalt on it with those extra variables, removes everything
#   on exit, waits for /health and sets anon (the project's anon key).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

bench_project() {
  work=$(mktemp -d "/tmp/basalt-$1-XXXXXX")
  chmod 755 "$work"
  port=$(free_port)
  dbport=$(free_port)
  secret="bench-secret-with-at-least-32-characters-ok"
  ./build/basalt init --workdir "$work" >/dev/null
  sed -i "0,/^port = 54321/s//port = $port/; 0,/^port = 54322/s//port = $dbport/" "$work/supabase/config.toml"
}

bench_start() {
  env BASALT_JWT_SECRET="$secret" BASALT_LOG_LEVEL=warn "$@" \
    ./build/basalt start --workdir "$work" >"$work/basalt.log" 2>&1 &
  basalt_pid=$!
  trap 'kill "$basalt_pid" 2>/dev/null; wait "$basalt_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
  local up=0
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$port/health" >/dev/null && { up=1; break; }
    kill -0 "$basalt_pid" 2>/dev/null || break
    sleep 0.2
  done
  [ "$up" = 1 ] || { echo "basalt did not start:"; tail -20 "$work/basalt.log"; exit 1; }
  anon=$(BASALT_JWT_SECRET=$secret ./build/basalt status --workdir "$work" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ANON_KEY"])')
}
