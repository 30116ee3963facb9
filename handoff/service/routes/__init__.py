"""The agent service's routes, one module per resource; every one is documented in
handoff/openapi.yaml. Handlers find the service's parts in request.app.ctx
(handoff/service/app.py) and the signed-in user in request.ctx.user."""
