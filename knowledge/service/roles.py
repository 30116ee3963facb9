"""Who may do what: editors write drafts and answer tests, reviewers also publish and
roll back, so an editor's change reaches customers only through a reviewer. A
reviewer publishes the versions they reviewed and never an edit of their own, and
rolls back only to a version that was live before (knowledge/publishing.py)."""
EDITOR = "editor"
REVIEWER = "reviewer"
ROLES = (EDITOR, REVIEWER)
# Why an editor may not publish or roll back.
FOUR_EYES = "an editor's change goes live when a reviewer publishes it"
