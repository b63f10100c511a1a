#!/usr/bin/env bash
# Starts a local PostgreSQL 15 on 127.0.0.1:5432 with a database and user for the test suites.
# Prints the DATABASE_URL to use. Installs the server with apt-get when it is missing.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /usr/lib/postgresql/15 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi
if ! pg_lsclusters -h | grep -q '^15 *main'; then
  pg_createcluster 15 main >/dev/null 2>&1
fi
# The test suite runs many tests at once, each with its own small pool: allow enough connections.
if [ "$(pg_conftool 15 main show max_connections 2>/dev/null | sed 's/.*= *//')" != "400" ]; then
  pg_conftool 15 main set max_connections 400
  pg_ctlcluster 15 main restart >/dev/null 2>&1 || true
fi
pg_ctlcluster 15 main start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 1
done
su postgres -c "psql -q -v ON_ERROR_STOP=1 -d postgres" >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'onewindow') THEN
    CREATE ROLE onewindow LOGIN PASSWORD 'onewindow';
  END IF;
END $$;
SELECT 'CREATE DATABASE onewindow_test OWNER onewindow' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'onewindow_test')\gexec
SQL
echo "postgres://onewindow:onewindow@127.0.0.1:5432/onewindow_test?sslmode=disable"
