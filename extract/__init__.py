"""Turning clean article text into facts, a region, practices and named methods."""
