"""Durable, signed callbacks to app back-ends: the outbox (outbox.py), where each front
end wants its messages (targets.py) and the worker that POSTs them (worker.py).
Imports only foundation/, so the REST channel and the agent service can both write to
the outbox."""
