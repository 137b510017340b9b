"""Words and numbers as the update prints them: formatting, narrative, commentary."""
