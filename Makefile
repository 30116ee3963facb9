# The two commands a newcomer needs: `make run` and `make test`.
# Both set themselves up first (scripts/bootstrap.sh): Python 3.10 venv, packages,
# web chat widget; then the model is trained only if its inputs changed.
PY := .venv/bin/python

.PHONY: run test eval bench train setup browser clean

run: setup
	$(PY) -m bot.launcher run

# pytest's exit 5 means no test ran: that is a failure, not a pass.
test: setup browser
	$(PY) -m bot.training
	$(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -eq 5 ]; then echo "No tests ran." >&2; exit 1; fi; exit $$status

eval: setup
	$(PY) -m bot.training
	$(PY) -m bot.evaluate

# Benchmarks print figures; they are not timed tests.
bench: setup
	$(PY) -m scripts.bench_tracking_lookup
	$(PY) -m scripts.bench_handoff_queue
	$(PY) -m scripts.bench_knowledge_search
	$(PY) -m scripts.bench_handoff_relay

train: setup
	$(PY) -m bot.training

setup:
	@bash scripts/bootstrap.sh

# Chromium for the browser tests; installed from the system's packages when possible.
browser:
	@bash scripts/install-browser.sh

clean:
	rm -rf var/log var/redis var/rasa.db models
