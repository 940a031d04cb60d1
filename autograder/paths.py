"""Where things live, relative to the repository (or student release) root."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT / "reference_data"
MANIFEST = REFERENCE_DIR / "manifest.json"
RUBRIC = Path(__file__).resolve().parent / "rubric.json"
# Student-editable code: tracebacks are trimmed to frames inside these folders.
STUDENT_DIRS = (ROOT / "mytorch", ROOT / "hw")
