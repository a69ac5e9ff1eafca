"""Lexical and semantic indexes over articles; built from ``ingest`` dataclasses."""
