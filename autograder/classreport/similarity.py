"""Code similarity between handins, with copydetect (winnowing, the algorithm behind MOSS).

Each handin's document is the files it changed from the stubbed release, one
after another; the stubbed release is the boilerplate, so the template's code
never counts, and copydetect's tokenizer replaces every name, so renaming
variables changes nothing. A pair's similarity is, for each side, the share
of its own (non-template) code that the other shares. It is evidence for a
person to review, never a verdict: a short region can only be written so many
ways.
"""

import io
from dataclasses import dataclass

import numpy as np

# copydetect's defaults: matches shorter than this many characters of tokenized code are noise; with the
# guarantee threshold equal to it, every longer match is found (window size 1).
NOISE = 25
DEFAULT_THRESHOLD = 0.5


@dataclass
class Pair:
    """Two handins whose code overlaps.

    share_a, share_b: the share of each one's code found in the other; overlap: the tokens shared;
    html_a, html_b: each document as HTML with the shared code highlighted (copydetect's highlighting, escaped).
    """

    a: str
    b: str
    share_a: float
    share_b: float
    overlap: int
    html_a: str
    html_b: str

    @property
    def share(self) -> float:
        """The larger share: one side copied may be a small part of the other."""
        return max(self.share_a, self.share_b)


def student_document(files: dict[str, str], template: dict[str, str]) -> str:
    """Join the files a handin changed into one document, each under a comment naming it, in path order.

    files: a handin's .py files (relative path -> text); template: the stubbed release's, alike.
    """
    parts = [f"# ===== {rel} =====\n{text}" for rel, text in sorted(files.items()) if template.get(rel) != text]
    return "\n".join(parts)


def _boilerplate(template: dict[str, str]) -> np.ndarray:
    from copydetect import CodeFingerprint

    hashes: list[int] = []
    for rel, text in sorted(template.items()):
        hashes.extend(CodeFingerprint(rel, NOISE, 1, filter=True, fp=io.StringIO(text)).hashes)
    return np.unique(np.array(hashes, dtype=np.int64))


class _Fingerprinted:
    """A handin's copydetect fingerprint, with its fingerprints' positions and hashes as arrays."""

    def __init__(self, print_) -> None:
        self.print = print_
        pairs = sorted((i, h) for h, positions in print_.hash_idx.items() for i in positions)
        self.positions = np.array([i for i, _ in pairs], dtype=np.int64)
        self.hashes = np.array([h for _, h in pairs], dtype=np.int64)
        self.unique = np.unique(self.hashes)

    def share_of(self, other: "_Fingerprinted") -> float:
        """Give the share of this code's tokens in a k-gram the other has too.

        It is what copydetect's compare_files computes, vectorised (it gathers the positions one hash at a
        time, too slow for every pair of a class).
        """
        from copydetect.utils import get_copied_slices

        if self.print.token_coverage == 0:
            return 0.0
        shared = self.positions[np.isin(self.hashes, other.unique)]
        if shared.size == 0:
            return 0.0
        starts, ends = get_copied_slices(shared, NOISE)
        return float(np.sum(ends - starts)) / self.print.token_coverage


# A pair whose quick share is this far below the threshold is not compared in full (it differs by rounding only).
_MARGIN = 0.02


def similar_pairs(
    handins: dict[str, dict[str, str]], template: dict[str, str], threshold: float = DEFAULT_THRESHOLD
) -> list[Pair]:
    """Find every pair of handins whose larger share is at least `threshold`, most similar first.

    handins: name -> its files (relative path -> text); template: the stubbed release's files.
    """
    from copydetect import CodeFingerprint, compare_files
    from copydetect.utils import highlight_overlap

    boilerplate = _boilerplate(template)
    docs = {name: student_document(files, template) for name, files in handins.items()}
    prints = {
        name: _Fingerprinted(CodeFingerprint(f"{name}.py", NOISE, 1, boilerplate, fp=io.StringIO(doc)))
        for name, doc in docs.items()
    }
    names = sorted(handins)
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            # The quick share first; copydetect compares the candidates in full and highlights them.
            if max(prints[a].share_of(prints[b]), prints[b].share_of(prints[a])) < threshold - _MARGIN:
                continue
            overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[a].print, prints[b].print)
            if max(share_a, share_b) < threshold or overlap == 0:
                continue
            html_a, _ = highlight_overlap(docs[a], slices_a, "<mark>", "</mark>", escape_html=True)
            html_b, _ = highlight_overlap(docs[b], slices_b, "<mark>", "</mark>", escape_html=True)
            pairs.append(Pair(a, b, float(share_a), float(share_b), int(overlap), html_a, html_b))
    return sorted(pairs, key=lambda p: (-p.share, p.a, p.b))
