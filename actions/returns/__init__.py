"""Returns: the return policy (policy.yml) and the engine that decides a return request."""
