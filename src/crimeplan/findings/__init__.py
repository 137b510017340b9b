"""One quarter's edition: the inputs read and checked, and the findings worked out from them."""
