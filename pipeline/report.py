"""`report.html`: one self-contained page that answers where the data went, what each filter removed and
whether it was right, and what the corpus cost.

Written beside the shards by every run (manifest.WriteRunSummary) and rewritten by `corpusforge report DIR`;
`corpusforge report DIR_A DIR_B` compares two runs. It reads only the run's aggregates — stats.json,
manifest.json, timings.json, rejects/dropped_sample.jsonl — never the shards, so it renders in the same time
for a run of any size. Charts are inline SVG and the styles inline: the page fetches nothing when opened.

Sections: summary, funnel (chart and table: documents, bytes, tokens per stage, drop reasons), languages
before and after filtering, signal histograms (length and every measured signal, kept vs dropped, thresholds
drawn), dedup (duplicate group and cluster sizes), safety (PII per type, consent and blocklist drops), bias
audit, tokenizer audit, dropped-document samples, cost (CPU per stage, energy, CO2, money, and a projection
to a Common Crawl snapshot, with the assumptions beside them), run metadata.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from corpusforge.pipeline.config import ConfigError, CostConfig
from corpusforge.pipeline.files import atomic_write, exists, join, read_bytes, read_json
from corpusforge.pipeline.layout import MANIFEST, REPORT, STATS, TIMINGS
from corpusforge.pipeline.manifest import DROPPED_SAMPLE_FILE
from corpusforge.transforms.accounting import LENGTH_SIGNAL, READ_STAGE, WRITE_STAGE
from corpusforge.transforms.observations import Histogram

_GENERATOR = '<meta name="generator" content="corpusforge report">'  # marks a file this module may replace
_VERDICTS = ("dropped", "skipped", "dead_letter")
_KEPT_COLOR, _DROPPED_COLOR, _THRESHOLD_COLOR = "#3b6fb6", "#e0803a", "#c0392b"
_SERIES_COLORS = ("#3b6fb6", "#e0803a")  # run A, run B in comparisons
_DISPLAY_BINS = 40
_CONSTANT = '<p class="const">'  # a histogram of one value is this line instead
_MAX_INPUTS_LISTED = 50
_DEDUP_SIGNALS = ("duplicate_group_size", "dup_cluster_size")  # observed by transforms/dedup/transforms.py


# --- the run's aggregates ----------------------------------------------------------------------------------


@dataclasses.dataclass
class RunData:
    """A finished run's aggregates, as the report reads them."""

    out_dir: str
    stats: dict[str, Any]
    manifest: dict[str, Any]
    timings: dict[str, Any]
    samples: list[dict[str, Any]]
    manifest_sha256: str

    @property
    def location(self) -> str:
        """Where the run was published (its configured output directory; a run is written into a staging
        folder and moved), or where it is read from when the manifest does not say."""
        return self.manifest.get("volatile", {}).get("output.dir") or self.out_dir

    @property
    def name(self) -> str:
        return self.manifest.get("config", {}).get("run", {}).get("name", "corpusforge")

    @property
    def cost_config(self) -> dict[str, Any]:
        configured = self.manifest.get("config", {}).get("report", {}).get("cost", {})
        return {**dataclasses.asdict(CostConfig()), **configured}

    @property
    def input_bytes(self) -> int:
        return sum(i["size"] for i in self.manifest.get("inputs", []))

    @property
    def content_sha256(self) -> str:
        """A fingerprint of what the run produced: the manifest less `volatile` (every shard's sha256, the
        config, inputs, versions, stats). Two runs with the same fingerprint wrote the same bytes."""
        stable = {k: v for k, v in self.manifest.items() if k != "volatile"}
        return hashlib.sha256(json.dumps(stable, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()

    @property
    def tokens(self) -> int | None:
        tokenizer = self.manifest.get("tokenizer") or {}
        return sum(tokenizer["tokens"].values()) if tokenizer.get("tokens") else None


def load_run(out_dir: str) -> RunData:
    """The aggregates of the finished run in `out_dir` (ConfigError if it has no manifest)."""
    manifest_path = join(out_dir, MANIFEST)
    if not exists(manifest_path):
        raise ConfigError(f"{out_dir}: no {MANIFEST}; not a finished corpusforge run")
    raw = read_bytes(manifest_path)
    manifest = json.loads(raw.decode("utf-8"))
    stats_path = join(out_dir, STATS)
    stats = read_json(stats_path) if exists(stats_path) else manifest["stats"]
    timings_path = join(out_dir, TIMINGS)
    timings = read_json(timings_path) if exists(timings_path) else {}
    sample_path = join(out_dir, DROPPED_SAMPLE_FILE)
    samples = []
    if exists(sample_path):
        samples = [json.loads(line) for line in read_bytes(sample_path).decode("utf-8").splitlines() if line]
    return RunData(out_dir, stats, manifest, timings, samples, hashlib.sha256(raw).hexdigest())


def write_report(out_dir: str, other_dir: str | None = None, output: str | None = None) -> str:
    """Writes the report of the run in `out_dir` (or, with `other_dir`, the comparison of the two runs) to
    `output` (default: `out_dir/report.html`); returns the path written. An existing file at `output` that
    corpusforge did not write is never replaced (ConfigError)."""
    run = load_run(out_dir)
    page = render_comparison(run, load_run(other_dir)) if other_dir else render_report(run)
    path = output or join(out_dir, REPORT)
    if output and exists(path) and _GENERATOR.encode() not in read_bytes(path)[:2000]:
        raise ConfigError(f"--output {path}: exists and is not a corpusforge report; not replacing it")
    atomic_write(path, page.encode("utf-8"))
    return path


def report_command(out_dir: str, other_dir: str | None, output: str | None, console: Any) -> int:
    """`corpusforge report DIR [DIR_B] [--output PATH]`."""
    path = write_report(out_dir, other_dir, output or ("compare.html" if other_dir else None))
    console.print(f"report: {path}", highlight=False)
    return 0


# --- cost -------------------------------------------------------------------------------------------------------


def cost_estimate(cpu_secs: float, input_bytes: int, cost: Mapping[str, Any]) -> dict[str, Any]:
    """Energy, CO2 and money of `cpu_secs` of CPU work, and of a full snapshot at the same CPU per input byte.

    core-hours = CPU seconds / 3600; kWh = core-hours × watts per core × PUE / 1000; kg CO2 = kWh × grams per
    kWh / 1000; money = core-hours × price per core-hour. The snapshot scales the CPU seconds by
    snapshot bytes / input bytes (`snapshot` is None without input bytes).
    """

    def footprint(secs: float) -> dict[str, float]:
        core_hours = secs / 3600
        kwh = core_hours * cost["watts_per_core"] * cost["pue"] / 1000
        return {
            "cpu_secs": secs,
            "core_hours": core_hours,
            "kwh": kwh,
            "kg_co2": kwh * cost["grams_co2_per_kwh"] / 1000,
            "money": core_hours * cost["price_per_core_hour"],
        }

    snapshot = None
    if input_bytes > 0:
        snapshot = footprint(cpu_secs / input_bytes * cost["snapshot_bytes"])
        snapshot["cpu_secs_per_gb"] = cpu_secs / input_bytes * 1e9
    return {"run": footprint(cpu_secs), "snapshot": snapshot}


def cost_assumptions(cost: Mapping[str, Any]) -> list[str]:
    """The assumptions behind `cost_estimate`, one line each, to print beside its numbers."""
    return [
        f"{cost['watts_per_core']:g} W per busy core (Green Algorithms' figure for an unknown CPU), "
        f"PUE {cost['pue']:g} (its world-average data centre); memory, disks and network not counted",
        f"{cost['grams_co2_per_kwh']:g} g CO2 per kWh (world average, IEA 2019); set report.cost.grams_co2_per_kwh "
        "to your region's",
        f"{cost['price_per_core_hour']:g} {cost['currency']} per core-hour (Dataflow batch vCPU list price, "
        "us-central1; memory, disk and shuffle extra)",
        f"snapshot: {cost['snapshot_warc_files']:,} WARC files, {_bytes(cost['snapshot_bytes'])} (a Common Crawl "
        "main crawl), at this run's CPU per input byte: representative only if this run's input is",
    ]


def run_cost(run: RunData) -> dict[str, Any]:
    """`cost_estimate` of a run's stage CPU time (and of the whole job's, where the launcher measured it)."""
    cost = run.cost_config
    stage_cpu = run.timings.get("total_stage_cpu_secs")
    estimate = cost_estimate(stage_cpu or 0.0, run.input_bytes, cost) if stage_cpu is not None else None
    job_cpu = run.timings.get("job_cpu_secs")
    job = cost_estimate(job_cpu, run.input_bytes, cost) if job_cpu else None
    return {"stages": estimate, "job": job, "assumptions": cost_assumptions(cost), "currency": cost["currency"]}


def footprint_lines(run: RunData) -> list[str]:
    """The cost in a few console lines (each within 80 columns): this run, a snapshot projection, the
    assumptions."""
    estimate = run_cost(run)
    stages, job, currency = estimate["stages"], estimate["job"], estimate["currency"]
    if not stages:
        return []
    cost = run.cost_config
    measured = job or stages
    which = "whole job's CPU" if job else "stage CPU"
    run_footprint = measured["run"]
    lines = [
        f"cost, this run: {_energy(run_footprint['kwh'])}, {_mass(run_footprint['kg_co2'])} CO2, "
        f"{_num(run_footprint['money'])} {currency} ({which})"
    ]
    if stages["snapshot"]:
        lines += [
            f"cost, a Common Crawl snapshot ({_bytes(cost['snapshot_bytes'])}) at this run's CPU per input byte:",
            f"  {_footprint(stages['snapshot'], currency)} (stage work)",
        ]
        if job:
            lines.append(f"  {_footprint(job['snapshot'], currency)} (with this runner's overhead)")
    lines.append(
        f"assumptions: {cost['watts_per_core']:g} W/core, PUE {cost['pue']:g}, {cost['grams_co2_per_kwh']:g} g "
        f"CO2/kWh, {cost['price_per_core_hour']:g} {currency}/core-h (report.cost)"
    )
    return lines


def _footprint(f: Mapping[str, float], currency: str) -> str:
    return (
        f"{_num(f['core_hours'])} core-h, {_energy(f['kwh'])}, {_mass(f['kg_co2'])} CO2, {_num(f['money'])} {currency}"
    )


def _num(x: float) -> str:
    """3 significant digits, without exponents: 0.00285, 4.57, 45,700."""
    x = float(f"{x:.3g}")
    if x == 0:
        return "0"
    return f"{x:,.{max(2 - math.floor(math.log10(abs(x))), 0)}f}"


def _energy(kwh: float) -> str:
    for unit, size in (("GWh", 1e6), ("MWh", 1e3), ("kWh", 1.0)):
        if kwh >= size:
            return f"{_num(kwh / size)} {unit}"
    return f"{_num(kwh * 1000)} Wh"


def _mass(kg: float) -> str:
    for unit, size in (("t", 1e3), ("kg", 1.0)):
        if kg >= size:
            return f"{_num(kg / size)} {unit}"
    return f"{_num(kg * 1000)} g"


# --- numbers --------------------------------------------------------------------------------------------------


def _n(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,}" if isinstance(value, int) else f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _bytes(n: float | None) -> str:
    if n is None:
        return ""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:,.3g} {unit}" if n / size < 1000 else f"{n / size:,.0f} {unit}"
    return f"{int(n)} B"


def _pct(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else ""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


# --- charts -------------------------------------------------------------------------------------------------


def _svg(width: int, height: int, body: Iterable[str], label: str) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{_e(label)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">{"".join(body)}</svg>'
    )


def bar_chart(rows: Sequence[tuple[str, Sequence[float]]], series: Sequence[tuple[str, str]], label: str) -> str:
    """Horizontal bars, one group per row (`(name, values)`), one bar per series (`(legend, color)`)."""
    if not rows:
        return ""
    top = max((v for _, values in rows for v in values), default=0) or 1
    name_w, bar_w, row_h = 130, 330, 8 + 12 * len(series)
    height = 24 + row_h * len(rows)
    body, x = [], name_w + 4
    for name, color in series:
        body.append(f'<text x="{x}" y="12" class="legend"><tspan fill="{color}">■</tspan> {_e(name)}</text>')
        x += 24 + 7 * len(name)
    for r, (name, values) in enumerate(rows):
        y = 20 + r * row_h
        body.append(f'<text x="{name_w - 6}" y="{y + row_h / 2 + 4:.0f}" text-anchor="end">{_e(name[:20])}</text>')
        for i, value in enumerate(values):
            w = max(bar_w * value / top, 1 if value else 0)
            by = y + 4 + 12 * i
            body.append(
                f'<rect x="{name_w}" y="{by}" width="{w:.1f}" height="10" fill="{series[i][1]}">'
                f"<title>{_e(name)}, {_e(series[i][0])}: {_n(value)}</title></rect>"
                f'<text x="{name_w + w + 4:.1f}" y="{by + 9}" class="value">{_n(value)}</text>'
            )
    return _svg(name_w + bar_w + 90, height, body, label)


@dataclasses.dataclass
class _Axis:
    """Where values go on a chart's x axis: linear (`integers`: one slot per integer), or logarithmic (zero then
    drawn as its own bar at the left)."""

    low: float
    high: float
    log: bool
    integers: bool
    left: float
    width: float

    def x(self, value: float) -> float:
        if self.log:
            zero_w = self.width * 0.06
            if value <= 0:
                return self.left
            span = math.log10(self.high) - math.log10(self.low) or 1
            frac = (math.log10(max(value, self.low)) - math.log10(self.low)) / span
            return self.left + zero_w + frac * (self.width - zero_w)
        span = self.high - self.low or 1
        return self.left + (value - self.low) / span * self.width

    def ticks(self) -> list[float]:
        if self.log:
            first, last = math.floor(math.log10(self.low)), math.ceil(math.log10(self.high))
            step = max(1, (last - first) // 5)
            return [0.0] + [10.0**e for e in range(first, last + 1, step) if self.low <= 10.0**e <= self.high]
        if self.integers:
            first, last = math.ceil(self.low), math.floor(self.high)
            step = max(1, math.ceil((last - first + 1) / 6))
            return [float(v) for v in range(first, last + 1, step)]
        return [self.low + (self.high - self.low) * i / 4 for i in range(5)]


def _integer_of(low: float, high: float) -> int:
    """The integer a fixed bin of integer values holds (the smallest, where it spans more than one)."""
    if low == high == 0:
        return 0
    return math.ceil(low - 1e-9) if low > 0 else -math.ceil(-high - 1e-9)


def _display_bins(histograms: Sequence[Histogram | None], axis: _Axis) -> list[tuple[float, float, list[int]]]:
    """The histograms' fixed bins regrouped for display: (x from, x to, count per histogram) per display bin.

    Log axis: the fixed bins themselves (equal widths), zero in its own bar. Integer axis: one bar per integer.
    Linear axis: _DISPLAY_BINS equal bins, each fixed bin counted where its centre falls (exact counts,
    positions within one fixed bin: 4.7%)."""
    if axis.log:
        edges: dict[float, list[int]] = {}
        for h_index, h in enumerate(histograms):
            for low, _, n in h.bins() if h else ():
                edges.setdefault(low, [0] * len(histograms))[h_index] += n
        zero_w = axis.width * 0.05
        return [
            (axis.left, axis.left + zero_w, counts) if low == 0 else (axis.x(low), axis.x(low * 10 ** (1 / 50)), counts)
            for low, counts in sorted(edges.items())
        ]
    if axis.integers:
        starts = [axis.low + i for i in range(round(axis.high - axis.low))]
        step = 1.0
    else:
        step = (axis.high - axis.low) / _DISPLAY_BINS
        starts = [axis.low + i * step for i in range(_DISPLAY_BINS)]
    totals = [[0] * len(histograms) for _ in starts]
    for h_index, h in enumerate(histograms):
        for low, high, n in h.bins() if h else ():
            if axis.integers:
                position = _integer_of(low, high)
            else:
                position = 0.0 if low == high == 0 else math.copysign(math.sqrt(low * high), low + high)
            i = min(max(int((position - axis.low) // step), 0), len(starts) - 1)
            totals[i][h_index] += n
    return [(axis.x(start), axis.x(start + step), counts) for start, counts in zip(starts, totals)]


def histogram_chart(
    series: Sequence[tuple[str, Histogram | None, str]],
    thresholds: Sequence[tuple[float, str]],
    label: str,
    *,
    stacked: bool = True,
) -> str:
    """A histogram of one signal: `series` (legend, histogram, color) stacked (kept, dropped) or side by side
    (two runs), with `thresholds` (value, label) as dashed vertical lines. A signal with one value is a line of
    text. The x axis is logarithmic where the positive values span more than two decades and a half."""
    present = [h for _, h, _ in series if h and h.count]
    if not present:
        return ""
    low = min(h.low for h in present)
    high = max(h.high for h in present)
    if low == high:
        return f"{_CONSTANT}all {sum(h.count for h in present):,} values are {_tick_label(low)}</p>"
    # The axis spans the thresholds too: how far the data lies from a threshold is what a reader judges.
    limits = [v for v, _ in thresholds if isinstance(v, int | float) and not isinstance(v, bool)]
    low, high = min([low, *limits]), max([high, *limits])
    positives = [lo for h in present for lo, _, _ in h.bins() if lo > 0] + [v for v in limits if v > 0]
    integers = all(h.int_total is not None for h in present) and high - low <= 60
    log = not integers and low >= 0 and bool(positives) and high / min(positives) > 300
    width, height, left, bottom = 360, 170, 44, 130
    if log:
        axis = _Axis(min(positives), high, True, False, left, width - left - 12)
    elif integers:
        axis = _Axis(low - 0.5, high + 0.5, False, True, left, width - left - 12)
    else:
        axis = _Axis(low, high, False, False, left, width - left - 12)
    bins = _display_bins([h for _, h, _ in series], axis)
    top = max((sum(c) if stacked else max(c)) for _, _, c in bins) or 1
    plot_h = bottom - 14 - 10 * len(thresholds)
    body = [f'<line x1="{left}" y1="{bottom}" x2="{width - 8}" y2="{bottom}" class="axis"/>']
    for x0, x1, counts in bins:
        w = max(x1 - x0 - 0.6, 0.8)
        y = bottom
        for i, (name, _, color) in enumerate(series):
            n = counts[i]
            if not n:
                continue
            h = plot_h * n / top
            bx = x0 if stacked else x0 + i * w / len(series)
            bw = w if stacked else w / len(series)
            top_y = (y - h) if stacked else bottom - h
            body.append(
                f'<rect x="{bx:.1f}" y="{top_y:.1f}" width="{bw:.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{_e(name)}: {n:,}</title></rect>"
            )
            if stacked:
                y -= h
    drawn = [(v, t) for v, t in thresholds if isinstance(v, int | float) and not isinstance(v, bool)]
    for row, (value, text) in enumerate(drawn):
        x = axis.x(value)
        y = 10 + 10 * row  # one label line per threshold
        anchor, tx = ("end", x - 3) if x > left + axis.width / 2 else ("start", x + 3)
        body.append(
            f'<line x1="{x:.1f}" y1="{y - 8}" x2="{x:.1f}" y2="{bottom}" stroke="{_THRESHOLD_COLOR}" '
            f'stroke-dasharray="4 3" stroke-width="1.5"><title>{_e(text)}</title></line>'
            f'<text x="{tx:.1f}" y="{y}" text-anchor="{anchor}" class="threshold">{_e(text)}</text>'
        )
    for tick in axis.ticks():
        body.append(
            f'<text x="{axis.x(tick):.1f}" y="{bottom + 13}" text-anchor="middle" class="tick">{_tick_label(tick)}</text>'
        )
    body.append(f'<text x="{left - 4}" y="{bottom - plot_h + 4:.0f}" text-anchor="end" class="tick">{top:,}</text>')
    body.append(f'<text x="{left - 4}" y="{bottom}" text-anchor="end" class="tick">0</text>')
    legend = " ".join(f'<tspan fill="{c}">■</tspan> {_e(n)}' for n, h, c in series if h and h.count)
    body.append(f'<text x="{left}" y="{height - 6}" class="legend">{legend}{" (log scale)" if log else ""}</text>')
    return _svg(width, height, body, label)


def _tick_label(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 10_000 or abs(value) < 0.001:
        return f"{value:.0e}".replace("e+0", "e").replace("e-0", "e-")
    return f"{value:,.3g}"


# --- sections -----------------------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: range | None = None) -> str:
    """A table of HTML cells; the columns in `numeric` (default: all but the first) are right-aligned."""
    numeric = range(1, len(header)) if numeric is None else numeric

    def cls(i: int) -> str:
        return " class=num" if i in numeric else ""

    head = "".join(f"<th{cls(i)}>{_e(h)}</th>" for i, h in enumerate(header))
    head = f"<thead><tr>{head}</tr></thead>" if any(header) else ""
    body = []
    for row in rows:
        cells = "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row))
        body.append(f"<tr{' class=flagged' if isinstance(row, _Flagged) else ''}>{cells}</tr>")
    return f"<table>{head}<tbody>{''.join(body)}</tbody></table>"


_TEXT = range(0)  # no numeric column


class _Flagged(tuple):
    """A table row to highlight."""


def _section(section_id: str, title: str, body: str, intro: str = "") -> str:
    intro_html = f'<p class="intro">{intro}</p>' if intro else ""
    return f'<section id="{section_id}"><h2>{_e(title)}</h2>{intro_html}{body}</section>'


def _reasons(entry: Mapping[str, Any]) -> list[tuple[str, str, int, int]]:
    """(verdict, reason, records, bytes) of a stage's stats entry, most records first."""
    found = [
        (verdict, reason, counts["records"], counts["bytes"])
        for verdict in _VERDICTS
        for reason, counts in entry.get(verdict, {}).items()
    ]
    return sorted(found, key=lambda r: (-r[2], r[0], r[1]))


def _summary(run: RunData) -> str:
    s = run.stats
    timings = run.timings
    cells = [
        ("records read", _n(s["records_read"])),
        ("kept", f"{_n(s['kept'])} ({_pct(s['kept'], s['records_read'])})"),
        ("dropped", _n(s["dropped"])),
        ("skipped", _n(s["skipped"])),
        ("dead-lettered", _n(s["dead_lettered"])),
        ("reconciled", "yes" if s["reconciled"] else "NO"),
        ("input", f"{_bytes(run.input_bytes)} in {len(run.manifest.get('inputs', [])):,} files"),
        ("kept text", _bytes(s.get("kept_text_bytes"))),
    ]
    if run.tokens is not None:
        cells.append(("tokens", _n(run.tokens)))
    if timings.get("wall_secs") is not None:
        cells.append(("wall time", f"{timings['wall_secs']:,.1f} s"))
    if timings.get("total_stage_cpu_secs") is not None:
        cells.append(("stage CPU", f"{timings['total_stage_cpu_secs']:,.1f} core-s"))
    tiles = "".join(f'<div class="tile"><div class="k">{_e(k)}</div><div class="v">{v}</div></div>' for k, v in cells)
    return _section("summary", "Summary", f'<div class="tiles">{tiles}</div>')


def _funnel(run: RunData) -> str:
    stages = run.stats["stages"]
    per_token = (run.stats.get("kept_text_bytes") or 0) / run.tokens if run.tokens else None
    rows, chart_rows = [], []
    for stage, entry in stages.items():
        inn, out = entry.get("in", {}), entry.get("out", {})
        reasons = _reasons(entry)
        listed = "<br>".join(
            f'<span class="verdict {v}">{_e(v.replace("_", " "))}</span> {_e(r)} {_n(n)} <span class="muted">({_bytes(b)})</span>'
            for v, r, n, b in reasons
        )
        # Read's bytes out are raw payloads (HTML): no token estimate for them.
        text_out = out.get("bytes") if stage != READ_STAGE else None
        tokens = [_n(round(text_out / per_token)) if per_token and text_out is not None else ""]
        rows.append(
            [
                _e(stage),
                _n(inn.get("records")),
                _n(out.get("records")),
                _bytes(inn.get("bytes")),
                _bytes(out.get("bytes")),
                *(tokens if per_token else []),
                listed,
            ]
        )
        chart_rows.append((stage, [inn.get("records", 0), out.get("records", 0)]))
    header = [
        "stage",
        "docs in",
        "docs out",
        "bytes in",
        "bytes out",
        *(["≈ tokens out"] if per_token else []),
        "not kept",
    ]
    chart = bar_chart(
        chart_rows, [("in", "#a9c1e3"), ("out", _KEPT_COLOR)], "funnel: documents in and out of each stage"
    )
    note = (
        f"Documents and bytes in and out of every stage, and why the others were not kept. Tokens are estimated "
        f"at the trained tokenizer's {per_token:.2f} bytes per token on the kept corpus (its text bytes over the "
        "tokens written)."
        if per_token
        else "Documents and bytes in and out of every stage, and why the others were not kept."
    )
    table = _table(header, rows, numeric=range(1, len(header) - 1))
    caption = (
        f'<p class="caption">read {_n(run.stats["records_read"])} = kept {_n(run.stats["kept"])} + dropped '
        f"{_n(run.stats['dropped'])} + skipped {_n(run.stats['skipped'])} + dead-lettered {_n(run.stats['dead_lettered'])}"
        f"{'' if run.stats['reconciled'] else ' — DOES NOT RECONCILE'}</p>"
    )
    return _section("funnel", "Funnel", f'<div class="figure">{chart}</div>{table}{caption}', _e(note))


def _language_totals(run: RunData) -> tuple[dict[str, int], dict[str, int]]:
    """Documents per language where languages are first known (the first stage that observed any, the
    language stage: what it kept and dropped) and in the kept corpus (what the write stage wrote)."""
    languages = run.stats.get("languages", {})
    stages = [stage for stage in languages if stage != WRITE_STAGE]
    before: dict[str, int] = {}
    for outcome in ("kept", "dropped"):
        for lang, counts in languages[stages[0]].get(outcome, {}).items() if stages else ():
            before[lang] = before.get(lang, 0) + counts["records"]
    after = {lang: c["records"] for lang, c in languages.get(WRITE_STAGE, {}).get("kept", {}).items()}
    return before, after


def _languages(run: RunData) -> str:
    languages = run.stats.get("languages", {})
    before, after = _language_totals(run)
    if not before and not after:
        return ""
    order = sorted(set(before) | set(after), key=lambda lang: (-before.get(lang, 0), -after.get(lang, 0), lang))
    first = next((s for s in languages if s != WRITE_STAGE), "")
    chart = bar_chart(
        [(lang, [before.get(lang, 0), after.get(lang, 0)]) for lang in order[:20]],
        [(f"identified ({first})", "#a9c1e3"), ("kept", _KEPT_COLOR)],
        "documents per language before and after filtering",
    )
    total_before, total_after = sum(before.values()), sum(after.values())
    rows = [
        [
            _e(lang),
            _n(before.get(lang, 0)),
            _pct(before.get(lang, 0), total_before),
            _n(after.get(lang, 0)),
            _pct(after.get(lang, 0), total_after),
            _pct(after.get(lang, 0), before.get(lang, 0)),
        ]
        for lang in order
    ]
    table = _table(["language", "identified", "share", "kept", "share", "kept / identified"], rows)
    stages = [s for s in languages if s != WRITE_STAGE]
    drop_rows = []
    for lang in order[:30]:
        cells = []
        for stage in stages:
            kept = languages[stage].get("kept", {}).get(lang, {}).get("records", 0)
            dropped = languages[stage].get("dropped", {}).get(lang, {}).get("records", 0)
            cells.append(_pct(dropped, kept + dropped) if kept + dropped else "")
        drop_rows.append([_e(lang), *cells])
    by_stage = _table(["language", *stages], drop_rows) if stages else ""
    intro = (
        f"Before: the documents the first stage that knows languages ({_e(first)}) kept or dropped, by their "
        "identified language; after: the kept corpus. Below, the share of each language's documents each stage "
        "dropped: a filter that drops one language far more often than the others shows here."
    )
    return _section(
        "languages",
        "Languages",
        f'<div class="figure">{chart}</div>{table}<h3>Drop rate per stage and language</h3>{by_stage}',
        intro,
    )


def _thresholds(checks: Sequence[Mapping[str, Any]]) -> list[tuple[float, str]]:
    """(value, label) of each check: `max_spans: > 5` (a named threshold) or `> 0` (a fixed one), and how
    many languages have their own value."""
    found = []
    for check in checks:
        value = check.get("value")
        shown = _tick_label(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        named = f"{check['threshold']}: " if check["threshold"] != str(value) else ""
        per_lang = check.get("by_lang") or {}
        note = f" ({len(per_lang)} languages differ)" if per_lang else ""
        found.append((value, f"{named}{check['op']} {shown}{note}"))
    return found


def _signals(run: RunData) -> str:
    signals = run.stats.get("signals", {})
    if not signals:
        return ""
    parts = []
    for stage, per_signal in signals.items():
        figures, constant = [], []
        for signal, found in per_signal.items():
            if signal in _DEDUP_SIGNALS or (
                signal == LENGTH_SIGNAL and "dropped" not in found and stage != WRITE_STAGE
            ):
                continue  # the dedup section shows group sizes; a stage that dropped nothing left lengths as they were
            kept = Histogram.from_json(found["kept"]) if "kept" in found else None
            dropped = Histogram.from_json(found["dropped"]) if "dropped" in found else None
            chart = histogram_chart(
                [("kept", kept, _KEPT_COLOR), ("dropped", dropped, _DROPPED_COLOR)],
                _thresholds(found.get("checks", [])),
                f"{stage}: {signal}",
            )
            if not chart:
                continue
            if _CONSTANT in chart:  # one value throughout: a line, not a chart
                constant.append(f"<b>{_e(signal)}</b> {chart.removeprefix(_CONSTANT).removesuffix('</p>')}")
                continue
            counts = f"{_n(kept.count if kept else 0)} kept, {_n(dropped.count if dropped else 0)} dropped"
            figures.append(
                f'<figure class="hist" data-signal="{_e(signal)}"><figcaption><b>{_e(signal)}</b> '
                f'<span class="muted">{counts}</span></figcaption>{chart}</figure>'
            )
        if figures or constant:
            n = len(figures) + len(constant)
            same = f'<p class="muted">Constant: {"; ".join(constant)}.</p>' if constant else ""
            parts.append(
                f'<details class="stage" open><summary>{_e(stage)} <span class="muted">({n} signal{"s" if n > 1 else ""})'
                f'</span></summary><div class="grid">{"".join(figures)}</div>{same}</details>'
            )
    annotate = any(
        run.manifest.get("config", {}).get(section, {}).get("annotate_only")
        for section in ("quality", "safety", "language")
    )
    intro = (
        "Each signal over the documents on which the stage measured it: kept (blue) and dropped (orange) by the "
        "stage, thresholds dashed in red (their value for every language; per-language values noted). "
        + (
            "This run is annotate-only: every signal of every document, split by the verdict the rules would give."
            if annotate
            else "A filter measures only what its verdict reads: a document dropped by an earlier rule has no later "
            "signals, and a signal can show drops on its passing side (dropped by another rule of the stage). "
            "An annotate-only run (run_configs/annotate.yaml) shows every signal on every document."
        )
        + " length_chars: document length in characters, as it left the stage (kept) or reached it (dropped)."
    )
    return _section("signals", "Signals", "".join(parts), intro)


def _dedup(run: RunData) -> str:
    signals = run.stats.get("signals", {})
    stages = run.stats["stages"]
    figures, rows = [], []
    for stage, signal, title in (
        ("exact_dedup", "duplicate_group_size", "exact: documents per text hash"),
        ("url_dedup", "duplicate_group_size", "url: documents per normalized URL"),
        ("near_dedup", "dup_cluster_size", "near: documents per cluster (kept roots)"),
    ):
        found = signals.get(stage, {}).get(signal)
        if not found or "kept" not in found:
            continue
        h = Histogram.from_json(found["kept"])
        groups_with_dups = h.count - h.zero - h.positive.get(0, 0)
        chart = histogram_chart([("groups", h, _KEPT_COLOR)], [], title)
        figures.append(f'<figure class="hist"><figcaption><b>{_e(title)}</b></figcaption>{chart}</figure>')
        dropped = sum(c["records"] for c in stages.get(stage, {}).get("dropped", {}).values())
        rows.append([_e(stage), _n(h.count), _n(groups_with_dups), _n(h.high), _n(dropped)])
    if not figures:
        return ""
    table = _table(["stage", "groups", "with duplicates", "largest", "documents dropped"], rows)
    intro = "Group and cluster sizes on a log scale; a group of 1 is a document without duplicates."
    return _section("dedup", "Deduplication", f'{table}<div class="grid">{"".join(figures)}</div>', intro)


def _safety(run: RunData) -> str:
    stages = run.stats["stages"]
    pii = run.stats.get("signals", {}).get("pii", {})
    parts = []
    pii_rows = []
    for signal, found in pii.items():
        if not signal.startswith("pii.") or signal == "pii_span_count":
            continue
        total_docs = total_spans = 0
        for outcome in ("kept", "dropped"):
            if outcome in found:
                h = Histogram.from_json(found[outcome])
                total_docs += h.count
                total_spans += h.int_total or 0
        pii_rows.append([_e(signal.removeprefix("pii.")), _n(total_docs), _n(total_spans)])
    if pii_rows:
        parts.append("<h3>PII found, per type</h3>" + _table(["type", "documents", "spans"], pii_rows))
    drop_rows = [
        [
            _e(stage),
            _e(reason),
            _n(counts["records"]),
            _bytes(counts["bytes"]),
            _pct(counts["records"], stages[stage]["in"]["records"]),
        ]
        for stage in ("opt_out", "url_blocklist", "word_blocklist", "pii")
        if stage in stages
        for reason, counts in sorted(stages[stage].get("dropped", {}).items())
    ]
    checked = [s for s in ("opt_out", "url_blocklist", "word_blocklist", "pii") if s in stages]
    if checked:
        body = _table(["stage", "reason", "documents", "bytes", "of the stage's input"], drop_rows, numeric=range(2, 5))
        parts.append(
            "<h3>Consent and blocklist drops</h3>"
            + (body if drop_rows else f"<p>None of {', '.join(checked)} dropped anything.</p>")
        )
    if not parts:
        return ""
    return _section("safety", "Safety", "".join(parts))


def _bias(run: RunData) -> str:
    audit = run.stats.get("bias_audit") or {}
    if not audit.get("stages"):
        return ""
    rows = []
    for stage, groups in audit["stages"].items():
        for group, r in groups.items():
            cells = [
                _e(stage),
                _e(group),
                _n(r["in"]),
                _n(r["dropped"]),
                f"{r['drop_rate']:.1%}",
                f"{r['base_rate']:.1%}",
                "—" if r["ratio"] is None else f"{r['ratio']:.2f}",
                "flagged" if r["flagged"] else "",
            ]
            rows.append(_Flagged(cells) if r["flagged"] else cells)
    table = _table(
        ["stage", "group", "reached", "dropped", "drop rate", "others' rate", "ratio", ""], rows, numeric=range(2, 7)
    )
    kept = _table(
        ["group", "kept documents", "share of kept"],
        [[_e(g), _n(k["records"]), f"{k['share']:.2%}"] for g, k in audit.get("kept", {}).items()],
    )
    intro = (
        "For each filtering stage and identity group: the drop rate among the documents reaching the stage that "
        "mention the group, against the rate among the others. Flagged (highlighted): a ratio above 2 with at "
        "least 30 of the group's documents reaching the stage."
    )
    return _section("bias", "Bias audit", f"{table}<h3>Groups in the kept corpus</h3>{kept}", intro)


def _tokenizer(run: RunData) -> str:
    tokenizer = run.stats.get("tokenizer") or {}
    audit = tokenizer.get("audit")
    if not audit:
        return ""
    rows = [
        [
            _e(lang),
            "validation" if a["held_out"] else "train",
            _n(a["documents"]),
            _n(a["tokens"]),
            _n(a["bytes_per_token"]),
            _n(a["tokens_per_word"]),
            f"{a['byte_fallback_rate']:.2%}",
            f"{a['unk_rate']:.2%}",
        ]
        for lang, a in audit.get("languages", {}).items()
    ]
    table = _table(
        [
            "language",
            "measured on",
            "documents",
            "tokens",
            "bytes / token",
            "tokens / word (fertility)",
            "byte fallback",
            "unknown",
        ],
        rows,
        numeric=range(2, 8),
    )
    chart = bar_chart(
        [(lang, [a["bytes_per_token"]]) for lang, a in audit.get("languages", {}).items()],
        [("bytes per token", _KEPT_COLOR)],
        "bytes per token per language",
    )
    vocab = audit.get("vocabulary", {})
    rare = vocab.get("rare", [])
    rare_list = ", ".join(f"<code>{_e(r['piece'])}</code> ({r['count']})" for r in rare[:200])
    vocab_html = (
        f"<p>Vocabulary: {_n(vocab.get('size'))} pieces, {_n(vocab.get('used'))} used on the corpus, "
        f"{_n(vocab.get('byte_pieces_used'))} byte pieces used; {_n(vocab.get('rare_pieces'))} glitch-token "
        f"candidates (ordinary pieces produced at most {_n(vocab.get('rare_max_count'))} times): {rare_list or 'none'}"
        f"{' …' if len(rare) > 200 else ''}</p>"
    )
    tokens = (run.manifest.get("tokenizer") or {}).get("tokens") or {}
    split = ", ".join(f"{k} {_n(v)}" for k, v in tokens.items())
    return _section(
        "tokenizer",
        "Tokenizer audit",
        f'<p>Tokens written: {split or "none"}.</p><div class="figure">{chart}</div>{table}{vocab_html}',
        "Bytes per token and fertility per language on the held-out validation split (train where a language has "
        "no validation documents); byte fallback: characters outside the vocabulary spelled as bytes.",
    )


def _samples(run: RunData) -> str:
    if not run.samples:
        return _section("samples", "Dropped documents", "<p>No documents were dropped.</p>")
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in run.samples:
        groups.setdefault((record["stage"], record["reason"]), []).append(record)
    totals = {
        (stage, reason): counts["records"]
        for stage, entry in run.stats["stages"].items()
        for reason, counts in entry.get("dropped", {}).items()
    }
    parts = []
    for (stage, reason), records in groups.items():
        items = []
        for r in records:
            where = _e(r["url"]) if r.get("url") else f"{_e(r['source'])} @ {_e(r.get('offset'))}"
            excerpt = (
                f'<pre class="excerpt">{_e(r["excerpt"])}</pre>'
                if r.get("excerpt")
                else '<p class="muted">(no text: dropped before extraction gave one)</p>'
            )
            lang = f' <span class="muted">[{_e(r["lang"])}]</span>' if r.get("lang") else ""
            items.append(
                f'<li><div class="where">{where}{lang}</div><div class="detail">{_e(r.get("detail") or "")}'
                f' <span class="muted">id {_e(r["id"])}, {_bytes(r.get("bytes"))}</span></div>{excerpt}</li>'
            )
        total = totals.get((stage, reason), len(records))
        parts.append(
            f'<details class="sample"><summary><b>{_e(stage)}</b> · {_e(reason)} '
            f'<span class="muted">{len(records)} of {_n(total)}</span></summary><ol>{"".join(items)}</ol></details>'
        )
    intro = (
        "Up to 20 dropped documents per stage and reason, chosen by a hash of their id (the same ones in every "
        "rerun), with what decided (the signal and threshold, or the kept duplicate's id) and the start of their "
        "text, PII redacted: read them to judge whether a rule is right. All of them: output.write_dropped: all."
    )
    return _section("samples", "Dropped documents, sampled", "".join(parts), intro)


def _cost(run: RunData) -> str:
    cpu = run.timings.get("stage_cpu_secs") or {}
    if not cpu:
        return ""
    estimate = run_cost(run)
    currency = estimate["currency"]
    chart = bar_chart(
        [(stage, [secs]) for stage, secs in cpu.items()], [("CPU seconds", _KEPT_COLOR)], "CPU seconds per stage"
    )
    stages = run.stats["stages"]
    rows = [
        [
            _e(stage),
            f"{secs:,.2f}",
            _pct(secs, run.timings.get("total_stage_cpu_secs") or 0),
            _n(round(stages[stage]["in"]["records"] / secs)) if secs and stages.get(stage, {}).get("in") else "",
        ]
        for stage, secs in cpu.items()
    ]
    table = _table(["stage", "CPU s", "share", "documents / CPU s"], rows)

    def footprint_row(label: str, f: Mapping[str, float] | None) -> list[str]:
        if not f:
            return [label, "", "", "", "", ""]
        return [
            label,
            _num(f["core_hours"]),
            _energy(f["kwh"]),
            _mass(f["kg_co2"]),
            f"{_num(f['money'])} {currency}",
            _num(f["cpu_secs_per_gb"]) if "cpu_secs_per_gb" in f else "",
        ]

    s, j = estimate["stages"], estimate["job"]
    cost = run.cost_config
    snapshot_label = f"a snapshot ({cost['snapshot_warc_files']:,} WARC files, {_bytes(cost['snapshot_bytes'])})"
    footprint = _table(
        ["", "core-hours", "energy", "CO2", "cost", "CPU s per input GB"],
        [
            footprint_row("this run, stage work", s["run"] if s else None),
            *([footprint_row("this run, whole job (local processes)", j["run"])] if j else []),
            footprint_row(f"{snapshot_label}, stage work", s["snapshot"] if s else None),
            *([footprint_row(f"{snapshot_label}, at this runner's overhead", j["snapshot"])] if j else []),
        ],
    )
    assumptions = "".join(f"<li>{_e(a)}</li>" for a in estimate["assumptions"])
    wall = run.timings.get("wall_secs")
    training_wall = run.timings.get("stage_wall_secs", {}).get("tokenizer_training")
    intro = (
        "CPU seconds each stage spent on its own work, measured in the workers (the thread's CPU clock around the "
        "stage's function, not the runner's serialization and shuffles; tokenizer training: the worker process's "
        "clock, which counts SentencePiece's own threads"
        + (f", {training_wall:,.1f} s wall" if training_wall is not None else "")
        + (
            f"; the whole job, launcher and local workers, used {run.timings['job_cpu_secs']:,.1f} CPU s"
            if run.timings.get("job_cpu_secs")
            else ""
        )
        + (f"; wall time {wall:,.1f} s" if wall is not None else "")
        + "). From them, energy, CO2 and money, and a projection to a full Common Crawl snapshot at the same CPU "
        "per input byte. The environmental cost of a corpus is part of the picture: it scales with the input, "
        "so what a snapshot costs is decided by the slowest stages above."
    )
    return _section(
        "cost",
        "What the corpus cost",
        f'<div class="figure">{chart}</div>{table}<h3>Energy, CO2, money</h3>{footprint}'
        f'<p class="muted">Assumptions (report.cost in the config):</p><ul class="assumptions">{assumptions}</ul>',
        _e(intro),
    )


def _metadata(run: RunData) -> str:
    m = run.manifest
    volatile = m.get("volatile", {})
    inputs = m.get("inputs", [])
    listed = "".join(
        f"<li>{_e(i['path'])} <span class='muted'>{_bytes(i['size'])}</span></li>" for i in inputs[:_MAX_INPUTS_LISTED]
    )
    more = (
        f"<li class='muted'>… and {len(inputs) - _MAX_INPUTS_LISTED:,} more</li>"
        if len(inputs) > _MAX_INPUTS_LISTED
        else ""
    )
    versions = _table(["package", "version"], [[_e(k), _e(v)] for k, v in m.get("versions", {}).items()], numeric=_TEXT)
    facts = _table(
        ["", ""],
        [
            ["output", _e(run.location)],
            ["started", _e(volatile.get("started_at", ""))],
            ["finished", _e(volatile.get("finished_at", ""))],
            ["manifest.json sha256", f"<code>{run.manifest_sha256}</code>"],
            [
                "outputs fingerprint",
                f"<code>{run.content_sha256}</code> <span class='muted'>(manifest less volatile: equal for runs that wrote the same bytes)</span>",
            ],
            ["Beam options", _e(" ".join(volatile.get("beam.options", [])))],
            [
                "shards",
                f"{len(m.get('shards', [])):,} document shards; rejects: "
                + ", ".join(_e(r["path"]) for r in m.get("rejects", [])[:5]),
            ],
        ],
        numeric=_TEXT,
    )
    config = json.dumps(m.get("config", {}), indent=2, ensure_ascii=False)
    body = (
        f"{facts}<h3>Versions</h3>{versions}<details><summary>Configuration (resolved)</summary><pre>{_e(config)}</pre></details>"
        f"<details><summary>Inputs ({len(inputs):,} files, {_bytes(run.input_bytes)})</summary><ul>{listed}{more}</ul></details>"
    )
    return _section("metadata", "Run metadata", body)


_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#c8cdd8}
nav{background:#fff;border-bottom:1px solid #dde1e8;padding:6px 24px;position:sticky;top:0;z-index:1}
nav a{margin-right:14px;color:#3b6fb6;text-decoration:none;font-size:13px}
main{max-width:1180px;margin:0 auto;padding:8px 24px 40px}
section{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:12px 18px;margin:14px 0}
h2{font-size:17px;margin:4px 0 8px}h3{font-size:14px;margin:14px 0 6px}
.intro,.caption{color:#4a5264;max-width:900px}.muted{color:#7a8294}
table{border-collapse:collapse;margin:6px 0;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #eceef2;text-align:left;vertical-align:top}
th{background:#f0f2f5}.num{text-align:right;white-space:nowrap}tr.flagged td{background:#fde8e4}
.tiles{display:flex;flex-wrap:wrap;gap:8px}.tile{border:1px solid #dde1e8;border-radius:6px;padding:6px 12px;min-width:120px}
.tile .k{font-size:12px;color:#7a8294}.tile .v{font-size:17px;font-weight:600}
.grid{display:flex;flex-wrap:wrap;gap:10px}figure{margin:0}figure.hist{border:1px solid #eceef2;border-radius:4px;padding:4px}
figcaption{font-size:12px;margin-bottom:2px}svg.chart{display:block;max-width:100%;height:auto}
svg text{font-size:10px;fill:#333}svg text.legend{font-size:11px}svg text.threshold{fill:#c0392b;font-size:10px}
svg text.tick{fill:#666}svg .axis{stroke:#999}
details.stage,details.sample{margin:6px 0}summary{cursor:pointer}
.verdict{font-size:11px;border-radius:3px;padding:0 4px;background:#eceef2}.verdict.dropped{background:#fbe3d2}
.verdict.dead_letter{background:#f6d0d0}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f7f9;padding:6px;border-radius:4px;font-size:12px;max-height:220px;overflow:auto}
li .where{font-weight:600;word-break:break-all}li .detail{font-family:ui-monospace,monospace;font-size:12px}
ol li{margin-bottom:8px}.assumptions{font-size:13px;color:#4a5264}
"""

_NAV = (
    ("summary", "Summary"),
    ("funnel", "Funnel"),
    ("languages", "Languages"),
    ("signals", "Signals"),
    ("dedup", "Dedup"),
    ("safety", "Safety"),
    ("bias", "Bias"),
    ("tokenizer", "Tokenizer"),
    ("samples", "Dropped"),
    ("cost", "Cost"),
    ("compare-funnel", "Funnel"),
    ("compare-languages", "Languages"),
    ("compare-signals", "Signals"),
    ("compare-cost", "Cost"),
    ("compare-config", "Config"),
    ("metadata", "Metadata"),
)


def _page(title: str, subtitle: str, sections: Sequence[str]) -> str:
    present = [s for s in sections if s]
    nav = "".join(f'<a href="#{i}">{_e(t)}</a>' for i, t in _NAV if any(f'<section id="{i}">' in s for s in present))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{_GENERATOR}'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>{_e(title)}</h1><p>{subtitle}</p></header><nav>{nav}</nav><main>{''.join(present)}</main>"
        "</body></html>\n"
    )


def render_report(run: RunData) -> str:
    """The report of one run, as one HTML page."""
    volatile = run.manifest.get("volatile", {})
    subtitle = f"{_e(run.location)} · finished {_e(volatile.get('finished_at', '?'))} · corpusforge {_e(run.manifest.get('versions', {}).get('corpusforge', '?'))}"
    sections = (
        _summary(run),
        _funnel(run),
        _languages(run),
        _signals(run),
        _dedup(run),
        _safety(run),
        _bias(run),
        _tokenizer(run),
        _samples(run),
        _cost(run),
        _metadata(run),
    )
    return _page(f"corpusforge run: {run.name}", subtitle, sections)


# --- two runs side by side --------------------------------------------------------------------------------------


def _delta(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return ""
    d = b - a
    rel = f" ({d / a:+.1%})" if a else ""
    return f"{d:+,}{rel}" if isinstance(d, int) else f"{d:+,.3g}{rel}"


def _compare_funnel(a: RunData, b: RunData) -> str:
    stages = list(dict.fromkeys([*a.stats["stages"], *b.stats["stages"]]))
    rows = []
    for stage in stages:
        ea, eb = a.stats["stages"].get(stage, {}), b.stats["stages"].get(stage, {})
        out_a, out_b = ea.get("out", {}).get("records"), eb.get("out", {}).get("records")
        rows.append(
            [
                f"<b>{_e(stage)}</b>",
                _n(ea.get("in", {}).get("records")),
                _n(eb.get("in", {}).get("records")),
                _n(out_a),
                _n(out_b),
                _delta(out_a, out_b),
            ]
        )
        reasons = {(v, r) for v, r, _, _ in _reasons(ea)} | {(v, r) for v, r, _, _ in _reasons(eb)}
        for verdict, reason in sorted(reasons):
            na = ea.get(verdict, {}).get(reason, {}).get("records", 0)
            nb = eb.get(verdict, {}).get(reason, {}).get("records", 0)
            rows.append(
                [
                    f'&nbsp;&nbsp;<span class="verdict {verdict}">{_e(verdict)}</span> {_e(reason)}',
                    "",
                    "",
                    _n(na),
                    _n(nb),
                    _delta(na, nb),
                ]
            )
    totals = [
        [_e(k), "", "", _n(a.stats[k]), _n(b.stats[k]), _delta(a.stats[k], b.stats[k])]
        for k in ("records_read", "kept", "dropped", "skipped", "dead_lettered")
    ]
    table = _table(
        ["stage / reason", "in (A)", "in (B)", "out or count (A)", "out or count (B)", "B − A"], [*rows, *totals]
    )
    same = a.content_sha256 == b.content_sha256
    verdict = "The two runs wrote identical outputs (same fingerprint)." if same else "The outputs differ."
    return _section("compare-funnel", "Funnel, side by side", table, verdict)


def _compare_languages(a: RunData, b: RunData) -> str:
    _, after_a = _language_totals(a)
    _, after_b = _language_totals(b)
    if not after_a and not after_b:
        return ""
    order = sorted(
        set(after_a) | set(after_b), key=lambda lang: (-max(after_a.get(lang, 0), after_b.get(lang, 0)), lang)
    )
    chart = bar_chart(
        [(lang, [after_a.get(lang, 0), after_b.get(lang, 0)]) for lang in order[:20]],
        [("A", _SERIES_COLORS[0]), ("B", _SERIES_COLORS[1])],
        "kept documents per language, A and B",
    )
    rows = [
        [
            _e(lang),
            _n(after_a.get(lang, 0)),
            _n(after_b.get(lang, 0)),
            _delta(after_a.get(lang, 0), after_b.get(lang, 0)),
        ]
        for lang in order
    ]
    return _section(
        "compare-languages",
        "Kept languages, side by side",
        f'<div class="figure">{chart}</div>' + _table(["language", "A", "B", "B − A"], rows),
    )


def _compare_signals(a: RunData, b: RunData) -> str:
    sa, sb = a.stats.get("signals", {}), b.stats.get("signals", {})
    parts = []
    for stage in dict.fromkeys([*sa, *sb]):
        figures = []
        for signal in sorted(set(sa.get(stage, {})) | set(sb.get(stage, {}))):
            hists = []
            for found in (sa.get(stage, {}).get(signal, {}), sb.get(stage, {}).get(signal, {})):
                merged = None
                for outcome in ("kept", "dropped"):
                    if outcome in found:
                        h = Histogram.from_json(found[outcome])
                        merged = h if merged is None else merged.merge(h)
                hists.append(merged)
            checks_a = sa.get(stage, {}).get(signal, {}).get("checks", [])
            checks_b = sb.get(stage, {}).get(signal, {}).get("checks", [])
            thresholds = [(v, f"A: {t}") for v, t in _thresholds(checks_a)]
            if checks_b != checks_a:
                thresholds += [(v, f"B: {t}") for v, t in _thresholds(checks_b)]
            chart = histogram_chart(
                [("A", hists[0], _SERIES_COLORS[0]), ("B", hists[1], _SERIES_COLORS[1])],
                thresholds,
                f"{stage}: {signal}",
                stacked=False,
            )
            if chart:
                counts = " / ".join(_n(h.count if h else 0) for h in hists)
                figures.append(
                    f'<figure class="hist"><figcaption><b>{_e(signal)}</b> <span class="muted">{counts}</span></figcaption>{chart}</figure>'
                )
        if figures:
            parts.append(
                f'<details class="stage"><summary>{_e(stage)}</summary><div class="grid">{"".join(figures)}</div></details>'
            )
    if not parts:
        return ""
    return _section(
        "compare-signals",
        "Signals, side by side",
        "".join(parts),
        "Each signal over all documents the stage measured it on (kept and dropped), A in blue, B in orange.",
    )


def _compare_cost(a: RunData, b: RunData) -> str:
    ca, cb = a.timings.get("stage_cpu_secs") or {}, b.timings.get("stage_cpu_secs") or {}
    if not ca and not cb:
        return ""
    rows = [
        [_e(stage), _n(ca.get(stage)), _n(cb.get(stage)), _delta(ca.get(stage), cb.get(stage))]
        for stage in dict.fromkeys([*ca, *cb])
    ]
    rows.append(
        [
            "<b>total</b>",
            _n(a.timings.get("total_stage_cpu_secs")),
            _n(b.timings.get("total_stage_cpu_secs")),
            _delta(a.timings.get("total_stage_cpu_secs"), b.timings.get("total_stage_cpu_secs")),
        ]
    )
    rows.append(
        [
            "wall time",
            _n(a.timings.get("wall_secs")),
            _n(b.timings.get("wall_secs")),
            _delta(a.timings.get("wall_secs"), b.timings.get("wall_secs")),
        ]
    )
    return _section("compare-cost", "CPU seconds per stage, side by side", _table(["stage", "A", "B", "B − A"], rows))


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        flat: dict[str, Any] = {}
        for k, v in value.items():
            flat.update(_flatten(v, f"{prefix}{k}."))
        return flat
    return {prefix.rstrip("."): value}


def _compare_config(a: RunData, b: RunData) -> str:
    fa, fb = _flatten(a.manifest.get("config", {})), _flatten(b.manifest.get("config", {}))
    rows = [
        [_e(k), f"<code>{_e(json.dumps(fa.get(k)))}</code>", f"<code>{_e(json.dumps(fb.get(k)))}</code>"]
        for k in sorted(set(fa) | set(fb))
        if fa.get(k) != fb.get(k)
    ]
    versions = [
        [_e(k), _e(a.manifest.get("versions", {}).get(k)), _e(b.manifest.get("versions", {}).get(k))]
        for k in sorted(set(a.manifest.get("versions", {})) | set(b.manifest.get("versions", {})))
        if a.manifest.get("versions", {}).get(k) != b.manifest.get("versions", {}).get(k)
    ]
    body = _table(["setting", "A", "B"], rows, numeric=_TEXT) if rows else "<p>Same configuration.</p>"
    body += "<h3>Versions</h3>" + (
        _table(["package", "A", "B"], versions, numeric=_TEXT) if versions else "<p>Same versions.</p>"
    )
    return _section("compare-config", "What differs in the configuration", body)


def render_comparison(a: RunData, b: RunData) -> str:
    """Two runs side by side: what changed in the funnel, languages, signals, CPU and configuration."""
    subtitle = f"A: {_e(a.location)} · B: {_e(b.location)}"
    sections = (
        _compare_funnel(a, b),
        _compare_languages(a, b),
        _compare_signals(a, b),
        _compare_cost(a, b),
        _compare_config(a, b),
    )
    return _page(f"corpusforge: {a.name} (A) vs {b.name} (B)", subtitle, sections)
