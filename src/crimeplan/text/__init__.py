"""Words as the update prints them: wording of changes, narrative, commentary (numbers in
:mod:`crimeplan.formatting`)."""
