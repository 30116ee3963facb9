# The two commands a newcomer needs: `make run` and `make test`.
# Both set themselves up first (commands/bootstrap.sh): Python 3.10 venv, packages,
# web chat widget; then the model is trained only if its inputs changed.
PY := .venv/bin/python

.PHONY: run test unit layers eval bench train setup browser clean

run: setup
	$(PY) -m commands.launcher run

# Everything: the layer contract, then unit, stack and browser tests.
# pytest's exit 5 means no test ran: that is a failure, not a pass.
test: setup browser layers
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

train: setup
	$(PY) -m commands.training

setup:
	@bash commands/bootstrap.sh

# Chromium for the browser tests; installed from the system's packages when possible.
browser:
	@bash commands/install-browser.sh

clean:
	rm -rf var/log var/redis var/rasa.db models
