"""corpusforge.transforms.io."""
