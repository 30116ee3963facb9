"""`python -m handoff.service`: runs the agent service until stopped."""
from handoff.service.app import main

main()
