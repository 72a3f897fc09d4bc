#!/usr/bin/env bash
# Makes sure RabbitMQ answers at LUOSHI_AMQP_URI; on this machine it starts (or, as
# root, installs) the broker when nothing answers. Needs the venv made by setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian keeps the RabbitMQ commands in /usr/sbin, which a user's PATH often lacks.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

uri="${LUOSHI_AMQP_URI:-amqp://guest:guest@127.0.0.1:5672/}"
py=.venv/bin/python
deadline_seconds=60

if [ ! -x "$py" ]; then
  echo "ensure-broker: $py is missing; run scripts/setup.sh first." >&2
  exit 1
fi

address=$("$py" -c '
import sys, kombu
try:
    connection = kombu.Connection(sys.argv[1])
    print(connection.hostname or "127.0.0.1", int(connection.port or 5672))
except Exception as exc:
    sys.exit(f"ensure-broker: LUOSHI_AMQP_URI is not an AMQP URI: {exc}")' "$uri")
read -r hostname port <<< "$address"

# Exit 0: the broker accepted us. 1: nothing listens. 2: something listens but
# refuses us (wrong credentials or vhost), which starting a server cannot fix.
probe() {
  "$py" - "$uri" "$hostname" "$port" <<'PY'
import socket
import sys

import kombu

uri, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    socket.create_connection((host, port), timeout=3).close()
except OSError:
    sys.exit(1)
connection = kombu.Connection(uri, connect_timeout=3)
try:
    connection.ensure_connection(max_retries=1, interval_start=0)
except Exception as exc:
    print(f"ensure-broker: {host}:{port} answers but refuses us: {exc}", file=sys.stderr)
    sys.exit(2)
finally:
    connection.release()
PY
}

check() {
  local status=0
  probe || status=$?
  if [ "$status" -eq 0 ]; then
    echo "broker: RabbitMQ answers at $hostname:$port"
    exit 0
  fi
  [ "$status" -eq 2 ] && exit 1
  return 0
}

check

case "$hostname" in
  localhost|127.0.0.1|::1) ;;
  *)
    echo "ensure-broker: nothing answers at $hostname:$port (LUOSHI_AMQP_URI); start RabbitMQ" \
      "there or point LUOSHI_AMQP_URI at a broker that runs." >&2
    exit 1
    ;;
esac

is_root=false
[ "$(id -u)" -eq 0 ] && is_root=true

if ! command -v rabbitmq-server >/dev/null; then
  if ! $is_root; then
    echo "ensure-broker: RabbitMQ is not installed. Install it (it starts by itself) with:" >&2
    echo "  sudo apt-get install rabbitmq-server" >&2
    exit 1
  fi
  echo "broker: installing rabbitmq-server (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq rabbitmq-server >/dev/null
fi

if ! $is_root; then
  echo "ensure-broker: RabbitMQ is installed but does not answer, and only root may start it:" >&2
  echo "  sudo rabbitmq-server -detached" >&2
  exit 1
fi

# A node that is already up (booting, or just installed by the package) must not
# be started twice; it only needs time.
if rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
  echo "broker: RabbitMQ runs here; waiting up to ${deadline_seconds}s for it to answer"
else
  echo "broker: starting rabbitmq-server (waiting up to ${deadline_seconds}s)"
  rabbitmq-server -detached || {
    echo "ensure-broker: rabbitmq-server would not start; see /var/log/rabbitmq/." >&2
    exit 1
  }
fi

until=$((SECONDS + deadline_seconds))
while [ "$SECONDS" -lt "$until" ]; do
  check
  sleep 1
done
echo "ensure-broker: RabbitMQ does not answer at $hostname:$port after ${deadline_seconds}s;" \
  "check the port in LUOSHI_AMQP_URI and /var/log/rabbitmq/." >&2
exit 1
