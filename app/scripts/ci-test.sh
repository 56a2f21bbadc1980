#!/usr/bin/env bash
# Checks and tests of the app module (app/), including the integration test against a real
# PostgreSQL: a throwaway cluster on a loopback port that accepts TLS connections only, with a
# server certificate for "localhost" signed by a CA made for this run. The cluster and its files
# are removed on exit. Idempotent; run it from anywhere, as root (CI) or as a normal user.
#
#   app/scripts/ci-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo "== app: $*"; }

pg_bindir() { compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1 || true; }

if [ -z "$(pg_bindir)" ] || ! command -v openssl >/dev/null; then
	step "installing postgresql and openssl"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends postgresql openssl >/dev/null
fi
PG_BIN=$(pg_bindir)

# PostgreSQL refuses to run as root: as root, run the cluster as the postgres user.
as_pg() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
	as_pg() { runuser -u postgres -- "$@"; }
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/8byte-app-pg.XXXXXX")
cleanup() {
	if [ -f "$WORK/data/postmaster.pid" ]; then
		as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
chmod 0755 "$WORK" # the tests (this user) read the CA; the key files below stay private

step "test CA and server certificate (SAN DNS:localhost)"
(
	cd "$WORK"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=8byte app test CA" -keyout ca.key -out ca.pem \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
	printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >server.ext
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
		-days 2 -extfile server.ext -out server.crt 2>/dev/null
	rm ca.key server.csr server.ext
	chmod 0644 ca.pem server.crt
	chmod 0600 server.key
)

# A free loopback port: nothing answers a connection to it.
PORT=$((20000 + RANDOM % 20000))
while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((PORT + 1)); done

step "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on localhost:$PORT, TLS required"
mkdir "$WORK/data"
if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$WORK"; fi
as_pg "$PG_BIN/initdb" -D "$WORK/data" -U postgres -E UTF8 --no-sync --auth-local=trust --auth-host=reject >/dev/null
cat >>"$WORK/data/postgresql.conf" <<CONF
listen_addresses = 'localhost'
port = $PORT
unix_socket_directories = '$WORK'
ssl = on
ssl_cert_file = '$WORK/server.crt'
ssl_key_file = '$WORK/server.key'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
fsync = off
CONF
# TCP only over TLS (hostssl), with a password; the Unix socket lives in the private $WORK.
cat >"$WORK/data/pg_hba.conf" <<HBA
local   all all                trust
hostssl all all 127.0.0.1/32   scram-sha-256
hostssl all all ::1/128        scram-sha-256
HBA
as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/postgres.log" -w -t 30 start >/dev/null ||
	{ cat "$WORK/postgres.log"; exit 1; }

PASSWORD=$(openssl rand -hex 16)
psql_admin() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -U postgres -d postgres "$@"; }
psql_admin -c "CREATE ROLE app_admin LOGIN PASSWORD '$PASSWORD'" -c "CREATE DATABASE app OWNER app_admin"

step "gofmt"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"
	echo "$unformatted"
	exit 1
fi

step "go vet"
go vet ./...

# -p 1: the rotation tests (internal/database) change the test role's password, which the
# integration tests of other packages log in with; packages must not run at the same time.
step "go test (integration test and the checks against contract/ and compute/ included)"
APP_REPO_CHECKS=required \
	APP_TEST_PGHOST=localhost \
	APP_TEST_PGPORT="$PORT" \
	APP_TEST_PGCA="$WORK/ca.pem" \
	APP_TEST_PGUSER=app_admin \
	APP_TEST_PGPASSWORD="$PASSWORD" \
	APP_TEST_PGDATABASE=app \
	go test -p 1 ./...
