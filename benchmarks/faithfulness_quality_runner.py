"""datatrove side of benchmarks/faithfulness_quality.py; runs ONLY in the datatrove virtualenv.

    <datatrove-venv>/bin/python benchmarks/faithfulness_quality_runner.py DOCS.jsonl VERDICTS.jsonl

DOCS.jsonl: one {"id", "text"} per line. VERDICTS.jsonl: one line per document with
  id, words (datatrove's English word split of the text, for diagnosis), and results: for each
  configuration {"keep": bool, "reason": str | None}, plus for C4 the rewritten "text" (when kept) and
  "sentence_lines": [[line, sentences], ...] (each kept line and its spaCy sentence count), and for the
  chained FineWeb preset the final "text".
Each filter is called as `filter(Document(...))` with datatrove's defaults (C4 also with
filter_no_terminal_punct=False, as datatrove's examples/fineweb.py does). Imports nothing from corpusforge.
"""

from __future__ import annotations

import json
import sys

from datatrove.data import Document
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
    c4_filters,
)
from datatrove.utils.text import split_into_words

_sentence_log: list[list] = []
_split_into_sentences = c4_filters.split_into_sentences


def _logged_split_into_sentences(text, language="en"):
    parts = _split_into_sentences(text, language)
    _sentence_log.append([text, len(parts)])
    return parts


c4_filters.split_into_sentences = _logged_split_into_sentences

FILTERS = {
    "gopher_quality": GopherQualityFilter(),
    "gopher_repetition": GopherRepetitionFilter(),
    "c4": C4QualityFilter(),
    "c4_no_terminal_punct": C4QualityFilter(filter_no_terminal_punct=False),
    "fineweb_quality": FineWebQualityFilter(),
}
# datatrove examples/fineweb.py order (after the URL, language and Trafilatura steps).
CHAIN = ("gopher_repetition", "gopher_quality", "c4_no_terminal_punct", "fineweb_quality")


def verdict(name: str, doc_id: str, text: str) -> tuple[dict, str]:
    doc = Document(text=text, id=doc_id)
    _sentence_log.clear()
    try:
        res = FILTERS[name].filter(doc)
    except Exception as exc:  # report, do not die: an exception is a finding too
        return {"keep": False, "reason": f"error:{type(exc).__name__}:{exc}"}, text
    keep, reason = res if isinstance(res, tuple) else (res, None)
    out = {"keep": bool(keep), "reason": reason}
    if name.startswith("c4"):
        out["sentence_lines"] = list(_sentence_log)
        if keep:
            out["text"] = doc.text
    return out, doc.text


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as fin, open(dst, "w", encoding="utf-8") as fout:
        for line in fin:
            rec = json.loads(line)
            text = rec["text"]
            results = {name: verdict(name, rec["id"], text)[0] for name in FILTERS}
            current, chain = text, {"keep": True, "reason": None}
            for name in CHAIN:
                res, new_text = verdict(name, rec["id"], current)
                if not res["keep"]:
                    chain = {"keep": False, "reason": f"{name}:{res['reason']}"}
                    break
                current = new_text
            if chain["keep"]:
                chain["text"] = current
            results["fineweb_chain"] = chain
            fout.write(json.dumps({"id": rec["id"], "words": split_into_words(text), "results": results}) + "\n")


if __name__ == "__main__":
    main()
