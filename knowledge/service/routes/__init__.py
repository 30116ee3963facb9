"""The editor service's routes, one module per resource; every one is documented in
knowledge/service/openapi.yaml. Handlers find the store, the users and the Redis
client for notices in request.app.ctx (knowledge/service/app.py) and the signed-in
user in request.ctx.user; requests.py checks what they are asked, views.py shapes
what they answer."""
