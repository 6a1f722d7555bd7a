"""corpusforge.transforms.filters."""
