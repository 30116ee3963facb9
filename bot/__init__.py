"""Runtime wiring of the courier assistant."""
import os

# Rasa's telemetry and crash reports call out to the internet; this assistant keeps
# customer conversations on its own machines. Every process we start inherits this.
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
