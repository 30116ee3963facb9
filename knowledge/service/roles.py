"""Who may do what: editors write drafts and answer tests, reviewers also publish and
roll back, so an editor's change reaches customers only through a reviewer."""
EDITOR = "editor"
REVIEWER = "reviewer"
ROLES = (EDITOR, REVIEWER)
# Why an editor may not publish or roll back.
FOUR_EYES = "an editor's change goes live when a reviewer publishes it"
