"""corpusforge.transforms.safety."""
