"""Human handoff: the queue that hands conversations from the bot to human agents."""
