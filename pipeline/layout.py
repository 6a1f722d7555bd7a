"""The names of what a run writes into its output folder (README "Outputs"), in one place that imports
nothing, so that the launcher can check and publish an output folder without importing the stages."""

DOCUMENTS_DIR = "documents"
REJECTS_DIR = "rejects"
TOKENS_DIR = "tokens"
TOKENIZER_DIR = "tokenizer"
SFT_DIR = "sft"
TEMPORARY_DIR = "_temporary"  # the run's staged documents and tokens, deleted before the manifest is written

MANIFEST = "manifest.json"
STATS = "stats.json"
TIMINGS = "timings.json"
REPORT = "report.html"  # pipeline/report.py writes it
SUCCESS = "_SUCCESS"
