"""Reading a project's inputs: params, measures, catalogue, areas and sources, checked."""
