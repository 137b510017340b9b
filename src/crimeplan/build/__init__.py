"""Rendering an update: the pipeline, the kernels, freshness, and the renderers."""
