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

# Each quorum queue holds file handles in the broker's file-handle cache (about
# three), and one platform declares some 350 quorum queues. A node started with
# the soft limit of 1,024 open files (rabbitmq-server -detached run through su,
# rather than by systemd, whose unit gives 65,536) is over its cache's limit with
# one platform, and then stops accepting connections altogether.
wanted_files=8192

file_limit() {
  { rabbitmqctl -q eval 'file_handle_cache:get_limit().' 2>/dev/null || true; } | tr -dc '0-9'
}

start_node() {
  # As the rabbitmq user, with its soft limit raised to its hard one (at most
  # 65,536, as the Debian package's systemd unit sets it).
  su rabbitmq -s /bin/sh -c '
    hard=$(ulimit -Hn)
    if [ "$hard" = unlimited ] || [ "$hard" -gt 65536 ]; then hard=65536; fi
    ulimit -n "$hard"
    exec /usr/sbin/rabbitmq-server -detached'
}

raise_file_limit() {
  local limit
  limit=$(file_limit)
  if [ -z "$limit" ] || [ "$limit" -ge "$wanted_files" ]; then
    return 0
  fi
  if ! $is_local || ! $is_root || ! command -v rabbitmq-server >/dev/null; then
    echo "broker: warning: RabbitMQ may hold only $limit file handles; the platform's" \
      "quorum queues need about 1,100 a platform. Raise its open-files limit" \
      "(LimitNOFILE=65536 in its systemd unit)." >&2
    return 0
  fi
  echo "broker: RabbitMQ here may hold only $limit file handles; restarting it with" \
    "a higher open-files limit"
  rabbitmqctl -q stop >/dev/null 2>&1 || true
  start_node || {
    echo "ensure-broker: rabbitmq-server would not start again; see /var/log/rabbitmq/." >&2
    exit 1
  }
  local until=$((SECONDS + deadline_seconds))
  while [ "$SECONDS" -lt "$until" ]; do
    if probe 2>/dev/null; then
      echo "broker: RabbitMQ may now hold $(file_limit) file handles"
      return 0
    fi
    sleep 1
  done
  echo "ensure-broker: RabbitMQ did not answer again after ${deadline_seconds}s;" \
    "see /var/log/rabbitmq/." >&2
  exit 1
}

check() {
  local status=0
  probe || status=$?
  if [ "$status" -eq 0 ]; then
    raise_file_limit
    echo "broker: RabbitMQ answers at $hostname:$port"
    exit 0
  fi
  [ "$status" -eq 2 ] && exit 1
  return 0
}

is_root=false
[ "$(id -u)" -eq 0 ] && is_root=true
is_local=false
case "$hostname" in localhost|127.0.0.1|::1) is_local=true ;; esac

check

case "$hostname" in
  localhost|127.0.0.1|::1) ;;
  *)
    echo "ensure-broker: nothing answers at $hostname:$port (LUOSHI_AMQP_URI); start RabbitMQ" \
      "there or point LUOSHI_AMQP_URI at a broker that runs." >&2
    exit 1
    ;;
esac

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
  start_node || {
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
