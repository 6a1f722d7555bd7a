"""corpusforge.tokenizer: SentencePiece training on the kept corpus, token shards, and the vocabulary audit.

`train` (sampling, training), `encode` (the model wrapper, splits, packing), `shards` (token shard format),
`audit` (fertility, byte-fallback and unknown rates, vocabulary use), `transforms` (the Beam PTransforms).
"""
