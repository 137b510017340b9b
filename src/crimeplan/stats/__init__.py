"""The statistics: comparisons of a measure between periods and their stated judgements."""
