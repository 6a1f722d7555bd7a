"""corpusforge.pipeline."""
