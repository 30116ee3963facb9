"""Returns: the return policy (policy.yml) and the engine that decides a request
(policy.py), the return and return-status dialogue (dialogue.py, with the request so far
in draft.py), its wording (reply.py) and the words it understands (answers.py,
words.yml)."""
