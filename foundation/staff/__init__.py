"""What the agent service and the knowledge editor service share for their staff:
users and passwords, tokens, the login throttle (auth.py), the JSON API and page
plumbing (web.py) and the browser script toolkit (static/)."""
