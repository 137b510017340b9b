"""Starting a project (init) and a quarter (new-quarter)."""
