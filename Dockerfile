# One image for every part of Luoshi. LUOSHI_SERVICE chooses what a container runs:
#   tasks | warnings | ranking | notify   a nameko service (python -m services.launch.runner)
#   gateway                               the HTTP API on port 8000 (uvicorn)
#   migrate                               every service's migrations and broker queues, then exit
# Build:  docker build -t luoshi .     Run:  docker run -e LUOSHI_SERVICE=tasks ... luoshi
# No secret is baked in: the broker URL, database URLs, LUOSHI_SECRET and
# LUOSHI_ADMIN_PASSWORD come from the environment at run time.

# --- assets: Swagger UI 5 for /docs and ECharts for the big screen, from npm at the versions package-lock.json pins.
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error

# --- builder: the pinned dependencies in a venv that the runtime stage copies whole.
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN python -m venv /opt/venv
# Dependencies first, code later: editing the code does not reinstall them.
# The runtime's packages only: no test runner, linter, browser driver or bench.
COPY requirements/runtime.txt constraints.txt /tmp/deps/
# Every pinned package ships manylinux wheels, so the builder needs no compiler.
RUN /opt/venv/bin/pip install -r /tmp/deps/runtime.txt -c /tmp/deps/constraints.txt

# --- runtime: slim Python, the venv, the code, an unprivileged user.
FROM python:3.11-slim AS runtime

ARG LUOSHI_SERVICE=gateway
# PYTHONPATH: `python -m services...` works from any working directory (probes, exec).
ENV LUOSHI_SERVICE=${LUOSHI_SERVICE} \
    PATH=/opt/venv/bin:${PATH} \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LUOSHI_DATA_DIR=/data

# A fixed numeric uid: Kubernetes can only verify runAsNonRoot against a number.
# /data belongs to that user so that a fresh named volume mounted there (compose
# copies the image's ownership into it) or a volume with fsGroup is writable.
RUN groupadd --system --gid 10001 luoshi \
    && useradd --system --uid 10001 --gid luoshi --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin luoshi \
    && mkdir -p /data \
    && chown luoshi:luoshi /data

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
COPY services ./services
COPY gateway ./gateway
# Only the files /docs loads, not the package's source maps and bundles for builds.
COPY --from=assets /assets/node_modules/swagger-ui-dist/swagger-ui-bundle.js \
     /assets/node_modules/swagger-ui-dist/swagger-ui.css \
     /assets/node_modules/swagger-ui-dist/favicon-32x32.png \
     /assets/node_modules/swagger-ui-dist/LICENSE \
     ./node_modules/swagger-ui-dist/
COPY --from=assets /assets/node_modules/echarts/dist/echarts.min.js \
     /assets/node_modules/echarts/LICENSE \
     ./node_modules/echarts/dist/
# The demo loader, so an operator can fill a fresh platform: python -m deploy.demo --url ...
COPY deploy/__init__.py deploy/demo.py ./deploy/
# Compiled now, because the root filesystem may be read-only at run time.
RUN python -m compileall -q services gateway deploy

USER 10001:10001
EXPOSE 8000

# exec hands PID 1 to the process itself, so SIGTERM from `docker stop` or Kubernetes
# reaches nameko (which finishes running workers) and uvicorn (which drains requests).
# No HEALTHCHECK here: it depends on the role; compose and Kubernetes define it per part.
# Shell form, because choosing the part takes a shell; like any CMD, it gives way to a
# command given at run time (`docker compose run tasks python -m services.launch.parking ...`).
CMD case "$LUOSHI_SERVICE" in \
      tasks|warnings|ranking|notify) exec python -m services.launch.runner "$LUOSHI_SERVICE" ;; \
      gateway) exec uvicorn --factory gateway.app:create_app --host 0.0.0.0 --port 8000 ;; \
      migrate) exec python -m services.launch.migrate ;; \
      *) echo "LUOSHI_SERVICE must be tasks, warnings, ranking, notify, gateway or migrate; got '$LUOSHI_SERVICE'" >&2; exit 64 ;; \
    esac
