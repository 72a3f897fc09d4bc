PY := .venv/bin/python
PYTEST := $(PY) -m pytest -q -p no:cacheprovider

# Each tier runs in its own pytest process: eventlet's monkey-patch is process-wide.
# A tier whose folders do not exist, or hold no tests yet (pytest's exit 5), is skipped.
# A second argument goes to pytest, e.g. $(SPREAD) for a tier that runs on every core.
tier = $(if $(wildcard $(1)),$(PYTEST) $(2) $(wildcard $(1)) || [ $$? -eq 5 ],@echo "skipped: no $(1)")
# pytest-xdist: one worker per core, each test whole in one worker.
SPREAD = -n auto
# A tier of nameko containers cannot use xdist (eventlet hangs its workers): its
# files are shared out to one pytest per core instead, side by side.
side_by_side = $(if $(wildcard $(1)),$(PY) scripts/tier_side_by_side.py --pytest "$(PYTEST)" $(wildcard $(1)) || [ $$? -eq 5 ],@echo "skipped: no $(1)")

.PHONY: setup run test test-as-of tiers lint migrate clean bench audit-verify

setup:
	scripts/setup.sh

run: setup
	$(PY) -m deploy.run

# Every tier, then the platform as make run starts it (the demo city included, and
# a report through every service) once more as of DAY: a test that leans on the real
# date fails now, not on the day it arrives. `make test-as-of` runs every tier so.
test: setup
	scripts/ensure-postgres.sh
	$(LINT)
	$(MAKE) --no-print-directory tiers
	$(AS_OF) $(TRAVELLED) $(AS_OF_TESTS)

# Every tier as if the real time were DAY, e.g. make test-as-of DAY=2027-06-30T09:00+08:00:
# each Python process the tests start believes it (tests/support/as_of); the broker,
# the database and the browser keep the real time. No test may depend on the real date.
# By default: half an hour before next year's New Year in Beijing, a year beyond the
# holiday package's and the office's years alike.
DAY ?= $(shell echo $$(( $$(date +%Y) + 1 ))-12-31T23:30:00+08:00)
AS_OF = PYTHONPATH=$(CURDIR)/tests/support/as_of LUOSHI_TEST_AS_OF=$(DAY)
AS_OF_TESTS = tests/e2e/test_demo_city.py tests/e2e/test_platform_over_http.py
# The travel is started before pytest loads time-machine's plugin, which it then
# cannot rewrite: harmless, and not worth a warning on every tier.
TRAVELLED = $(PYTEST) -W 'ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning'
test-as-of: setup
	scripts/ensure-postgres.sh
	$(AS_OF) $(MAKE) --no-print-directory tiers PYTEST="$(TRAVELLED)"

tiers:
	$(call tier,tests/logic tests/contracts)
	$(call side_by_side,tests/service)
	$(call tier,tests/flows)
	$(call tier,tests/gateway,$(SPREAD))
	$(call tier,tests/deploy)
	$(call tier,tests/e2e)
	$(call tier,tests/year)
	$(call tier,tests/replicas)
	$(call tier,tests/browser)
	$(call tier,tests/faults)
	$(call tier,tests/bench)

# The platform at a city's scale, measured; e.g. make bench ARGS="--scale 0.05 --db postgres".
bench: setup
	$(PY) -m bench $(ARGS)

# Style, and the layers of .importlinter: services independent of each other, the
# shared plumbing below them, the gateway apart, no import cycles.
LINT = $(PY) -m ruff check . && .venv/bin/lint-imports --no-cache

lint: setup
	$(LINT)

migrate: setup
	$(PY) -m services.launch.migrate

# The audit log's hash chain, checked row by row; says in Chinese where it breaks.
audit-verify: setup
	$(PY) -m gateway.audit verify

clean:
	rm -rf .venv var
