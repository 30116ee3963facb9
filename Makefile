# The two commands a newcomer needs: `make run` and `make test`.
# Both set themselves up first (commands/bootstrap.sh): Python 3.10 venv, packages,
# web chat widget; then the model is trained only if its inputs changed.
PY := .venv/bin/python

.PHONY: run demo run-cluster test unit layers eval bench bench-load report month train setup browser nginx faketime clean

run: setup
	$(PY) -m commands.launcher run

# make run with the agents' hours open all day, to try the handoff at any hour.
demo: setup
	HANDOFF_HOURS=00:00-24:00 $(PY) -m commands.launcher run

# Rasa's production topology on this machine: nginx in front of two Rasa servers and
# two action servers (commands/cluster.py; README "Scaling out").
run-cluster: setup nginx
	$(PY) -m commands.cluster

# Everything: the layer contract, then unit, stack and browser tests.
# pytest's exit 5 means no test ran: that is a failure, not a pass.
test: setup browser nginx faketime layers
	$(PY) -m commands.training
	$(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -eq 5 ]; then echo "No tests ran." >&2; exit 1; fi; exit $$status

# The unit tests alone: no server, no model, well under a minute.
unit: setup layers
	$(PY) -m pytest -m unit -q

# Imports must follow the layers (.importlinter); an import against the flow fails here.
layers: setup
	.venv/bin/lint-imports

eval: setup
	$(PY) -m commands.training
	$(PY) -m commands.evaluate

# Benchmarks print figures; they are not timed tests.
bench: setup
	$(PY) -m commands.bench_tracking_lookup
	$(PY) -m commands.bench_handoff_queue
	$(PY) -m commands.bench_knowledge_search
	$(PY) -m commands.bench_handoff_relay
	$(PY) -m commands.bench_ivr
	$(PY) -m commands.bench_callbacks

# The November peak: 50 scripted conversations at once against the project, the
# cluster and stock Rasa (whose model is trained once: 45-60 min here, DIET alone
# ~30 s an epoch); ARGS=--profile adds py-spy profiles. About 12 minutes when the
# models exist.
bench-load: setup
	$(PY) -m commands.bench_load --think 0.5 $(ARGS)

# The contact-centre report of a period, UTC days both included (analytics/README.md):
#   make report FROM=2026-11-01 TO=2026-11-30
report: setup
	$(PY) -m analytics.report --from $(FROM) --to $(TO) $(ARGS)

# A month of conversations played through the real bot on a simulated clock
# (libfaketime), then its report (commands/generate_month.py).
month: setup faketime
	$(PY) -m commands.generate_month $(ARGS)

train: setup
	$(PY) -m commands.training

setup:
	@bash commands/bootstrap.sh

# Chromium for the browser tests; installed from the system's packages when possible.
browser:
	@bash commands/install-browser.sh

# nginx for the cluster and its tests; Debian's package when possible.
nginx:
	@bash commands/install-nginx.sh

# libfaketime for the generated month and its tests; Debian's package when possible.
faketime:
	@bash commands/install-faketime.sh

clean:
	rm -rf var/log var/redis var/nginx var/rasa.db models
