"""Assigning themes to articles and practices."""
