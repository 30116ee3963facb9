"""Custom actions, run by the Rasa SDK action server (`python -m actions.server`)."""
