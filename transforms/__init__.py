"""corpusforge.transforms."""
