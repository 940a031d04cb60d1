"""The class report as one self-contained HTML page, and a side-by-side page per similar pair.

The pages need no scripts and no network: images are data: URIs.
"""

import html
from pathlib import Path
from statistics import mean, median

from autograder.classreport import charts
from autograder.classreport.similarity import Pair
from autograder.classreport.summary import NOT_RECORDED, Summary
from autograder.results import Status
from autograder.text import plural

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.n { text-align: right; }
.names { font-size: 0.85em; color: #444; max-width: 30em; }
.note { background: #fff7d6; border: 1px solid #e5c100; padding: 0.5em 1em; }
code, pre { font-family: ui-monospace, monospace; font-size: 0.85em; }
img { max-width: 100%; }
.pair { display: flex; gap: 1em; } .pair > div { flex: 1; min-width: 0; overflow-x: auto; }
mark { background: #f6c6c6; }
"""

# The headings of the per-step status columns, in this order.
STATUS_COLUMNS = (
    (Status.PASSED, "passed"),
    (Status.FAILED, "wrong output"),
    (Status.ERROR, "raised / stopped"),
    (Status.TIMED_OUT, "timed out"),
    (Status.NOT_IMPLEMENTED, "not implemented"),
    (Status.NOT_MARKED, "not marked"),
    (Status.NEEDS_TORCH, "not run (torch)"),
)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(headers: list[str], rows: list[list[str]], numeric: frozenset[int] | set[int] = frozenset()) -> str:
    """headers, rows of cells already in HTML -> a table (numeric: indices of right-aligned columns)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
        + "</tr>\n"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>\n"


def _names(names: list[str]) -> str:
    return f'<span class="names">{_e(", ".join(names))}</span>'


def _settings(summary: Summary) -> str:
    rows = [[_e(k), _e(v)] for k, v in summary.settings] or [[_e("settings"), _e(NOT_RECORDED)]]
    return "<p>What graded these handins, and how (recorded in each results.json).</p>\n" + _table(
        ["setting", "value"], rows
    )


def _scores(summary: Summary) -> str:
    scores = summary.scores
    if not scores:
        return "<p>No results were found.</p>\n"
    top = max(h.max_score for h in summary.handins)
    hist = charts.data_uri(charts.score_histogram(scores, top))
    rates = charts.data_uri(charts.pass_rates(summary.steps))
    rows = []
    for s in summary.steps:
        rate = "-" if s.pass_rate is None else f"{100 * s.pass_rate:.0f}%"
        rows.append(
            [f"<code>{_e(s.id)}</code>", f"{s.max_points:g}", rate]
            + [str(s.statuses[status]) for status, _ in STATUS_COLUMNS]
        )
    return (
        f"<p>{plural(len(scores), 'handin')}: mean {mean(scores):.1f}, median {median(scores):g}, "
        f"lowest {min(scores):g}, highest {max(scores):g} (of {top:g}).</p>\n"
        f'<img src="{hist}" alt="histogram of total scores">\n'
        "<h3>Per step</h3>\n"
        f'<img src="{rates}" alt="pass rate of each step">\n'
        + _table(
            ["step", "points", "pass rate"] + [h for _, h in STATUS_COLUMNS],
            rows,
            numeric=set(range(1, 3 + len(STATUS_COLUMNS))),
        )
    )


def _hints(summary: Summary) -> str:
    if not summary.hints:
        return "<p>No hint was named for any failure.</p>\n"
    rows = []
    for g in summary.hints:
        others = [t for t in g.texts if t != g.text]
        text = _e(g.text) + "".join(f"<br><small>also worded: {_e(t)}</small>" for t in others)
        rows.append([f"<code>{_e(g.step)}</code>", text, _e(g.kind.value), str(len(g.handins)), _names(g.handins)])
    return (
        "<p>The causes the hints named, from the step's catalog of known bugs (<em>bug</em>) or a structural "
        "check of the comparison (<em>structure</em>), ranked by how many handins they were named for "
        '(also in <a href="hints.csv">hints.csv</a>).</p>\n'
        + _table(["step", "hint", "kind", "handins", "who"], rows, numeric={3})
    )


def _unnamed(summary: Summary) -> str:
    if not summary.unnamed:
        return "<p>Every wrong output was named by a hint.</p>\n"
    rows = [
        [f"<code>{_e(u.step)}</code>", f"<code>{_e(u.output)}</code>", str(len(u.handins)), _names(u.handins)]
        for u in summary.unnamed
    ]
    return (
        "<p>Wrong outputs that no hint named, by step and by the first output that was wrong: candidates for "
        "new catalog entries (each handin's feedback says where the values first differ).</p>\n"
        + _table(["step", "first wrong output", "handins", "who"], rows, numeric={2})
    )


def _trouble(summary: Summary) -> str:
    if not summary.trouble:
        return "<p>No handin was rejected, timed out, ran over its budget or met an error outside its code.</p>\n"
    steps_total = len(summary.steps)
    rows = []
    for t in summary.trouble:
        steps = "every step" if len(t.steps) == steps_total and steps_total > 1 else ", ".join(t.steps)
        what = _e(t.cause) + ("<br><small>outside the code: regrade</small>" if t.outside_code else "")
        rows.append([_e(t.handin), what, _e(steps), _e(t.reason)])
    return (
        "<p>Handins rejected, timed out, over their time budget, or failed by something outside their code "
        "(<em>worker did not start</em>, <em>no runtime</em>, <em>not judged</em>, <em>grader error</em>: "
        "those need a regrade, not a fix).</p>\n" + _table(["handin", "what", "steps", "reason"], rows)
    )


SIMILARITY_NOTE = (
    "Similarity is evidence for a person to review, not a verdict: short solutions to the same "
    "exercise can only be written so many ways, and students may have worked together as allowed. "
    "Read both handins side by side before concluding anything."
)


def _similarity(pairs: list[Pair] | None, threshold: float, compared: int) -> str:
    if pairs is None:
        return (
            "<p>Not run. <code>python -m autograder.official report OUT_DIR --similarity HANDIN ...</code> "
            "compares the handins' code.</p>\n"
        )
    head = (
        f'<p class="note">{_e(SIMILARITY_NOTE)}</p>\n'
        f"<p>{plural(compared, 'handin')} compared pairwise with copydetect (winnowing), the stubbed "
        f"release's code as boilerplate; pairs where at least {100 * threshold:.0f}% of one side's own code "
        "is also in the other's:</p>\n"
    )
    if not pairs:
        return head + "<p>No pair reached the threshold.</p>\n"
    rows = [
        [
            _e(p.a),
            _e(p.b),
            f"{100 * p.share_a:.0f}%",
            f"{100 * p.share_b:.0f}%",
            str(p.overlap),
            f'<a href="{_e(pair_file(k))}">side by side</a>',
        ]
        for k, p in enumerate(pairs)
    ]
    return head + _table(
        ["handin A", "handin B", "A's code shared", "B's code shared", "tokens", "view"], rows, numeric={2, 3, 4}
    )


def _unreadable(summary: Summary) -> str:
    if not summary.unreadable:
        return ""
    rows = [[f"<code>{_e(path)}</code>", _e(why)] for path, why in summary.unreadable]
    return "<h2>Files that are not results</h2>\n" + _table(["file", "why"], rows)


def pair_file(k: int) -> str:
    """-> the side-by-side page of the k-th listed pair, relative to the report."""
    return f"pairs/pair-{k + 1:03d}.html"


def _document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )


def report_page(title: str, summary: Summary, pairs: list[Pair] | None, threshold: float, compared: int) -> str:
    """-> the class report's HTML. pairs: the similar pairs, or None when similarity was not run."""
    sections = (
        ("settings", "How the grades were made", _settings(summary)),
        ("scores", "Scores", _scores(summary)),
        ("bugs", "Known bugs that fired", _hints(summary)),
        ("unnamed", "Failures no hint named", _unnamed(summary)),
        ("trouble", "Handins that need a look", _trouble(summary)),
        ("similarity", "Similar code", _similarity(pairs, threshold, compared)),
    )
    contents = " &middot; ".join(f'<a href="#{key}">{_e(heading)}</a>' for key, heading, _ in sections)
    body = (
        f"<h1>{_e(title)}</h1>\n<p>{contents}</p>\n"
        + "".join(f'<h2 id="{key}">{_e(heading)}</h2>\n{html_}' for key, heading, html_ in sections)
        + _unreadable(summary)
    )
    return _document(title, body)


def pair_page(pair: Pair) -> str:
    """-> the side-by-side page of one pair: both handins' changed files, shared code highlighted."""
    body = (
        f'<h1>{_e(pair.a)} and {_e(pair.b)}</h1>\n<p class="note">{_e(SIMILARITY_NOTE)}</p>\n'
        f"<p>{100 * pair.share_a:.0f}% of {_e(pair.a)}'s own code and {100 * pair.share_b:.0f}% of "
        f'{_e(pair.b)}\'s is shared ({pair.overlap} tokens, highlighted). <a href="../index.html">Back to the '
        "report</a>.</p>\n"
        f'<div class="pair"><div><h2>{_e(pair.a)}</h2><pre><code>{pair.html_a}</code></pre></div>'
        f"<div><h2>{_e(pair.b)}</h2><pre><code>{pair.html_b}</code></pre></div></div>\n"
    )
    return _document(f"{pair.a} and {pair.b}", body)


def write_report(
    folder: Path,
    title: str,
    summary: Summary,
    hints_csv: str,
    pairs: list[Pair] | None,
    threshold: float,
    compared: int,
) -> Path:
    """Write folder/index.html, folder/hints.csv and, with pairs, folder/pairs/*.html -> the index's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hints.csv").write_text(hints_csv, encoding="utf-8")
    if pairs is not None:
        (folder / "pairs").mkdir(exist_ok=True)
        for old in (folder / "pairs").glob("pair-*.html"):
            old.unlink()
        for k, pair in enumerate(pairs):
            (folder / pair_file(k)).write_text(pair_page(pair), encoding="utf-8")
    index = folder / "index.html"
    index.write_text(report_page(title, summary, pairs, threshold, compared), encoding="utf-8")
    return index
