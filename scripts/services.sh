#!/usr/bin/env bash
# Make sure the services the test suite needs are running on localhost: PostgreSQL and Redis.
# Starts them if they are installed but stopped; fails (never skips) when one cannot be reached.
set -uo pipefail
PGHOST=${PGHOST:-localhost}; PGPORT=${PGPORT:-5432}; PGUSER=${PGUSER:-postgres}
pg_ready() { pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; }
redis_ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_ready && command -v pg_ctlcluster >/dev/null; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
  for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
fi
if ! redis_ready && command -v redis-server >/dev/null; then
  echo "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  for _ in $(seq 1 30); do redis_ready && break; sleep 1; done
fi
pg_ready || { echo "FAIL: PostgreSQL is not reachable on $PGHOST:$PGPORT" >&2; exit 1; }
redis_ready || { echo "FAIL: Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -tAc "SELECT 1 FROM pg_database WHERE datname='ask4mdp'" | grep -q 1 \
  || createdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" ask4mdp
echo "services: PostgreSQL and Redis are up"
