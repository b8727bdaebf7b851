"""Collecting and cleaning articles: fetch, decode, clean, metadata, reposts, storage."""
