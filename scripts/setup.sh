#!/usr/bin/env bash
# Idempotent set-up for `make run` and `make test`: a Python 3.11+ venv in .venv with
# the pinned dependencies (reinstalled only when requirements or constraints change),
# then a RabbitMQ that answers.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
stamp="$venv/.deps.sha256"

is_root=false
[ "$(id -u)" -eq 0 ] && is_root=true

apt_install() {
  echo "setup: installing $* (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "$@" >/dev/null
}

find_python() {
  local candidate
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# A venv whose interpreter is gone (a removed Python, a moved folder) is rebuilt.
if [ -d "$venv" ] && ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
  echo "setup: $venv is broken; rebuilding it"
  rm -rf "$venv"
fi

if [ ! -d "$venv" ]; then
  if ! python=$(find_python); then
    if $is_root; then
      apt_install python3 python3-venv
      python=$(find_python) || { echo "setup: this system's python3 is older than 3.11." >&2; exit 1; }
    else
      echo "setup: Python 3.11 or newer is needed. Install it with:" >&2
      echo "  sudo apt-get install python3 python3-venv" >&2
      exit 1
    fi
  fi
  # Debian ships venv without ensurepip until python3-venv is installed.
  if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    if $is_root; then
      apt_install python3-venv
    else
      echo "setup: $python cannot make a venv. Install the venv module with:" >&2
      echo "  sudo apt-get install python3-venv" >&2
      exit 1
    fi
  fi
  echo "setup: creating $venv with $python ($("$python" --version 2>&1))"
  "$python" -m venv "$venv" || { rm -rf "$venv"; exit 1; }
fi

wanted=$(cat requirements.txt requirements/*.txt constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  if [ -f "$stamp" ]; then
    echo "setup: requirements changed; updating $venv"
  else
    echo "setup: installing pinned dependencies into $venv (about a minute)"
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    -r requirements.txt -c constraints.txt
  echo "$wanted" > "$stamp"
else
  echo "setup: dependencies are up to date"
fi

# Browser assets the gateway serves itself (Swagger UI 5 for /docs), from the npm
# registry at the versions package-lock.json pins; never copied into the repo and
# never fetched from a CDN by a page. Install scripts are not run: none is needed.
assets_wanted=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
assets_stamp=node_modules/.luoshi.sha256
if [ "$(cat "$assets_stamp" 2>/dev/null)" != "$assets_wanted" ]; then
  if ! command -v npm >/dev/null; then
    if $is_root; then
      apt_install npm
    else
      echo "setup: /docs needs npm to install Swagger UI; install it with:" >&2
      echo "  sudo apt-get install npm" >&2
    fi
  fi
  if command -v npm >/dev/null; then
    echo "setup: installing the gateway's browser assets (npm ci)"
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
    echo "$assets_wanted" > "$assets_stamp"
  fi
else
  echo "setup: browser assets are up to date"
fi

# The weekly bulletin's PDF embeds a Chinese TrueType font (services/notify/documents.py).
if ! ls /usr/share/fonts/truetype/wqy/wqy-*.ttc >/dev/null 2>&1; then
  if $is_root; then
    apt_install fonts-wqy-microhei
  else
    echo "setup: no Chinese font for the bulletin's PDF; install one with:" >&2
    echo "  sudo apt-get install fonts-wqy-microhei   (or set LUOSHI_PDF_FONT)" >&2
  fi
fi

# The browser tests drive Debian's chromium through Playwright (never a browser
# downloaded by Playwright itself).
if ! command -v chromium >/dev/null; then
  if $is_root; then
    apt_install chromium
  else
    echo "setup: the browser tests need chromium; install it with:" >&2
    echo "  sudo apt-get install chromium" >&2
  fi
fi

scripts/ensure-broker.sh
