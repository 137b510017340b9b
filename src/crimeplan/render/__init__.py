"""Renderers: executed notebooks -> one HTML and one PDF update."""
