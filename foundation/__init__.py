"""The ground every other package stands on: settings, language, number rules, wording,
privacy (masking) and the staff web toolkit.

It imports nothing else of the project (.importlinter keeps it so), so any process —
the Rasa server, the action server, the agent and editor services, the commands — can
use it without loading the others.
"""
