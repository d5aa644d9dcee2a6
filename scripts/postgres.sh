# Starts a throwaway PostgreSQL server on loopback, owned by an unprivileged user.
# Sets POSTGRES_URL (the test database) and POSTGRES_E2E_URL (a second one for the browser tests'
# live server, which commits for real); stop_postgres removes the server again.

start_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  local port=${POSTGRES_PORT:-54329}
  POSTGRES_DIR=$(mktemp -d /tmp/stafetten-pg.XXXXXX)
  local run_as=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$POSTGRES_DIR"
    run_as=(runuser -u postgres --)
  fi
  "${run_as[@]}" "$bin/initdb" -D "$POSTGRES_DIR/data" -U stafetten --auth=trust -E UTF8 \
    --locale=C.UTF-8 >/dev/null
  "${run_as[@]}" "$bin/pg_ctl" -D "$POSTGRES_DIR/data" -l "$POSTGRES_DIR/log" -w \
    -o "-h 127.0.0.1 -p $port -k $POSTGRES_DIR -F -c fsync=off -c max_connections=200" start >/dev/null
  "${run_as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U stafetten stafetten_test
  "${run_as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U stafetten stafetten_e2e
  POSTGRES_URL="postgresql+psycopg://stafetten@127.0.0.1:$port/stafetten_test"
  POSTGRES_E2E_URL="postgresql+psycopg://stafetten@127.0.0.1:$port/stafetten_e2e"
  POSTGRES_BIN=$bin
  POSTGRES_RUN_AS=("${run_as[@]}")
  export POSTGRES_URL POSTGRES_E2E_URL
}

stop_postgres() {
  [ -n "${POSTGRES_DIR:-}" ] || return 0
  "${POSTGRES_RUN_AS[@]}" "$POSTGRES_BIN/pg_ctl" -D "$POSTGRES_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$POSTGRES_DIR"
}
