"""corpusforge.transforms.extract."""
