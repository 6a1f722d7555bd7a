"""`corpusforge rules`: every quality preset's rules, signals, thresholds and defaults, from the code itself.

The table is generated from the filters' declarations (`transforms/filters/quality.py` `rules_table`), so it
cannot drift from what runs; `--markdown` prints the README's table.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from corpusforge.pipeline.config import ConfigError
from corpusforge.transforms.filters.quality import PRESETS, rules_table


def _value(value: Any) -> str:
    if value is None:
        return "off"
    if isinstance(value, tuple):
        return " ".join(value)
    return str(value).lower() if isinstance(value, bool) else f"{value:,}" if isinstance(value, int) else str(value)


def _by_lang(values: dict[str, Any]) -> str:
    return ", ".join(f"{lang} {_value(v)}" for lang, v in sorted(values.items()))


def _when(row: dict[str, Any]) -> str:
    if not row["drops"]:
        return row["doc"]
    return f"{row['drops']} ← {row['signal']} {row['op']} {row['threshold'] or _value(row['default'])}"


def rules_command(presets: list[str], console: Console, *, markdown: bool = False) -> int:
    unknown = sorted(set(presets) - set(PRESETS))
    if unknown:
        raise ConfigError(f"rules: unknown preset {unknown[0]!r} (expected one of: {', '.join(PRESETS)})")
    rows = [r for r in rules_table() if not presets or r["preset"] in presets]
    if markdown:
        _print_markdown(rows, console)
        return 0
    for preset in dict.fromkeys(r["preset"] for r in rows):
        table = Table(title=f"preset {preset}", title_justify="left", show_edge=False, pad_edge=False)
        for column in ("rule", "threshold", "default", "per language", "drops (reason) when"):
            table.add_column(column, overflow="fold")
        previous = None
        for r in rows:
            if r["preset"] == preset:
                rule = r["rule"] if r["rule"] != previous else ""
                cells = (rule, r["threshold"], _value(r["default"]), _by_lang(r["by_lang"]), _when(r))
                table.add_row(*map(escape, cells))
                previous = r["rule"]
        console.print(table)
        console.print()
    console.print(
        "Override any threshold in config: quality.thresholds (every language), quality.by_lang.<lang>, "
        "or quality.thresholds_dir/<lang>.yaml.",
        highlight=False,
    )
    return 0


def _print_markdown(rows: list[dict[str, Any]], console: Console) -> None:
    """One row per rule and check (or option), with the presets using it and their values where they differ."""
    merged: dict[tuple[str, Any, str], list[dict[str, Any]]] = {}
    for r in rows:
        merged.setdefault((r["rule"].removeprefix("ml_"), r["check"], r["threshold"]), []).append(r)
    console.print(
        "| rule | threshold | default | presets (their value where it differs) | per language (multilingual) "
        "| drops (reason) when |",
        soft_wrap=True,
    )
    console.print("|---|---|---|---|---|---|", soft_wrap=True)
    for (rule, _, threshold), group in merged.items():
        reference = next((r for r in group if not r["rule"].startswith("ml_")), group[0])
        default = reference["rule_default"]
        presets = ", ".join(
            r["preset"] if r["default"] == default else f"{r['preset']} {_value(r['default'])}" for r in group
        )
        when = _when(reference)
        ml_signal = next((r["signal"] for r in group if r["rule"].startswith("ml_")), reference["signal"])
        if ml_signal != reference["signal"]:
            when += f" (multilingual: {ml_signal})"
        by_lang = next((r["by_lang"] for r in group if r["by_lang"]), {})
        cells = (rule, f"`{threshold}`" if threshold else "(fixed)", _value(default), presets, _by_lang(by_lang), when)
        console.print("| " + " | ".join(cells) + " |", soft_wrap=True, highlight=False, markup=False)
