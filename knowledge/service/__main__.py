"""`python -m knowledge.service`: runs the editor service until stopped."""
from knowledge.service.app import main

main()
