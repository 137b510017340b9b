"""What the notebooks call: the priority, summary, About and public-data sections, charts, tables."""
