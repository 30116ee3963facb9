"""Returns: the return policy (policy.yml, read by policy_file.py) and the engine that
decides a request (policy.py); the return form (return_form.py, its questions in
return_questions.py, the request so far in draft.py) and the return status form
(status_form.py), with what both share (forms.py); their texts (phrases.py) and wording
(reply.py); the words the forms understand (answers.py, words.yml)."""
