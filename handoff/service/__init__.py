"""The agent service: the REST API and websocket the agent console and supervisors use,
and the relay of messages between customers and agents.

Start it with `python -m handoff.service` (settings from the environment, see
ServiceSettings in app.py). Every route is documented in handoff/openapi.yaml, served
as /openapi.json; the routes live in routes/, one module per resource.

The service holds no state of its own: the queue, notes, alerts and login throttling
live in Redis (the handoff library: handoff/queue.py, notes.py, alerts.py...),
conversations in Rasa's tracker store, closed cases in SQL (handoff/cases.py). So
several instances can run behind a load balancer; consoles reach the right one through
Redis pub/sub (console_hub.py).

Errors are JSON: {"error": code, "message": text}, 4xx for the caller's mistakes, 503
when Redis, Rasa or the case database does not answer.
"""
