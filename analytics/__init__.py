"""Figures for managers and planners, read from what the other parts record."""
