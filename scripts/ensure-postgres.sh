#!/usr/bin/env bash
# Makes sure PostgreSQL answers at LUOSHI_TEST_PG_URL for the PostgreSQL test tier;
# on this machine it starts (or, as root, installs) a cluster when nothing answers.
# Needs the venv made by setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

url="${LUOSHI_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
# SQLAlchemy spells the driver into the scheme; libpq does not know it.
url="${url/postgresql+psycopg:/postgresql:}"
py=.venv/bin/python
deadline_seconds=60

if [ ! -x "$py" ]; then
  echo "ensure-postgres: $py is missing; run scripts/setup.sh first." >&2
  exit 1
fi

address=$("$py" -c '
import sys
from psycopg.conninfo import conninfo_to_dict
try:
    info = conninfo_to_dict(sys.argv[1])
    print(info.get("host") or "127.0.0.1", int(info.get("port") or 5432))
except Exception as exc:
    sys.exit(f"ensure-postgres: LUOSHI_TEST_PG_URL is not a PostgreSQL URL: {exc}")' "$url")
read -r hostname port <<< "$address"

# Exit 0: the server accepted us. 1: nothing listens. 2: something listens but
# refuses us (role, password, database), which starting a server cannot fix.
probe() {
  "$py" - "$url" "$hostname" "$port" <<'PY'
import socket
import sys

import psycopg

url, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    socket.create_connection((host, port), timeout=3).close()
except OSError:
    sys.exit(1)
try:
    psycopg.connect(url, connect_timeout=3).close()
except psycopg.Error as exc:
    print(f"ensure-postgres: {host}:{port} answers but refuses us: {exc}".rstrip(),
          file=sys.stderr)
    print("ensure-postgres: set LUOSHI_TEST_PG_URL to a role that may log in and"
          " create tables, e.g. postgresql://user:password@host:5432/dbname", file=sys.stderr)
    sys.exit(2)
PY
}

check() {
  local status=0
  probe || status=$?
  if [ "$status" -eq 0 ]; then
    echo "postgres: PostgreSQL answers at $hostname:$port"
    exit 0
  fi
  [ "$status" -eq 2 ] && exit 1
  return 0
}

check

case "$hostname" in
  localhost|127.0.0.1|::1) ;;
  *)
    echo "ensure-postgres: nothing answers at $hostname:$port (LUOSHI_TEST_PG_URL); start" \
      "PostgreSQL there or point LUOSHI_TEST_PG_URL at a server that runs." >&2
    exit 1
    ;;
esac

is_root=false
[ "$(id -u)" -eq 0 ] && is_root=true
version=$(ls /etc/postgresql 2>/dev/null | head -1 || true)

if [ -z "$version" ]; then
  if ! $is_root; then
    echo "ensure-postgres: PostgreSQL is not installed. Install it with:" >&2
    echo "  sudo apt-get install postgresql" >&2
    echo "then let the tests log in: trust 127.0.0.1 in pg_hba.conf, or set" \
      "LUOSHI_TEST_PG_URL with a password." >&2
    exit 1
  fi
  echo "postgres: installing postgresql (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  version=$(ls /etc/postgresql | head -1)
  # Debian asks for a password over TCP; this fresh cluster is ours and serves
  # tests on this machine only, so local TCP logins are trusted.
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  { printf 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n'; cat "$hba"; } > "$hba.new"
  chown --reference="$hba" "$hba.new"
  chmod --reference="$hba" "$hba.new"
  mv "$hba.new" "$hba"
  echo "postgres: trusting local TCP logins in $hba"
  # The package may have started the cluster already (where init scripts may run).
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || true
  check
fi

if ! $is_root; then
  echo "ensure-postgres: PostgreSQL $version is installed but does not answer, and only" \
    "root may start it:" >&2
  echo "  sudo pg_ctlcluster $version main start" >&2
  exit 1
fi

# A cluster that is already up (starting, or just installed by the package) must
# not be started twice; it only needs time.
if pg_ctlcluster --skip-systemctl-redirect "$version" main status >/dev/null 2>&1; then
  echo "postgres: cluster $version/main runs; waiting up to ${deadline_seconds}s for it to answer"
else
  echo "postgres: starting cluster $version/main (waiting up to ${deadline_seconds}s)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || {
    echo "ensure-postgres: cluster $version/main would not start; see" \
      "/var/log/postgresql/postgresql-$version-main.log." >&2
    exit 1
  }
fi

until=$((SECONDS + deadline_seconds))
while [ "$SECONDS" -lt "$until" ]; do
  check
  sleep 1
done
echo "ensure-postgres: PostgreSQL does not answer at $hostname:$port after" \
  "${deadline_seconds}s; check the port in LUOSHI_TEST_PG_URL and" \
  "/var/log/postgresql/." >&2
exit 1
