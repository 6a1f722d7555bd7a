"""corpusforge.tokenizer."""
