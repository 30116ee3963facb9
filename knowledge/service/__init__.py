"""The editor service: the REST API and web page knowledge editors work with.

Run: `python -m knowledge.service` (settings from the environment, see
app.EditorSettings). Every route is documented in knowledge/service/openapi.yaml,
served as /openapi.json; the page is /editor (its files: knowledge/editor/).

Editors list, search, create and edit articles (as fields in JSON, or as the article's
YAML text), edit answer tests, preview an answer exactly as the bot sends it on the web
and on the phone line, and run the answer tests. Reviewers may also publish and roll
back: an editor's change reaches customers only through a reviewer (four eyes), who
publishes the version they reviewed, by number, and never an edit of their own. Both
read the history with diffs, the audit log and the gap list.

The service keeps nothing of its own: articles, tests, the audit log and the gaps are
in the knowledge store (knowledge/store.py), whose every change is one transaction, so
a refused request has written nothing. Publishing goes through the answer-test gate
(knowledge/publishing.py) and tells every running LiveIndex over Redis; without Redis
they find the new revision by polling within a second.

Errors are JSON: {"error": code, "message": text}, 4xx for the caller's mistakes, 503
when the store does not answer.

  app.py        settings, what app.ctx holds, the JSON errors, the routes wired in
  roles.py      editors and reviewers: who may publish
  threads.py    store calls off the event loop
  routes/       the routes, one module per resource, with request parsing and views
"""
