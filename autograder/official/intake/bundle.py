"""The Gradescope autograder zip: setup.sh, run_autograder, and the grader without the solution.

Gradescope unpacks the zip into /autograder/source, runs setup.sh there once
(as root) when it builds the image, and for each submission runs
/autograder/run_autograder (a copy of the zip's), with the upload in
/autograder/submission and results expected in
/autograder/results/results.json. The grader tree holds the stubbed student
modules (as the release ships them), the autograder with oracles, key and
grading code, all reference data and the secret; run_autograder makes it
private to root before every run, whatever modes the unpacking left.

The worker uid is chosen once, by RNN_WORKER_UID when setup.sh runs (default
DEFAULT_UID); setup.sh writes it to source/worker_uid, which run_autograder
reads (RNN_WORKER_UID at run time overrides it). run_autograder also reads
RNN_GRADER_PYTHON, RNN_WORKER_PYTHON and RNN_TORCH_WORKER_PYTHON (the three
runtimes setup.sh makes). Gradescope's container may not allow namespaces:
the `gradescope` command then grades with file permissions alone (the torch
runtime readable only by TORCH_GROUP) and records it in results.json.
"""

import shlex
import zipfile
from pathlib import Path

from autograder.official.confine.identity import DEFAULT_FIRST_UID
from autograder.official.confine.sandbox import TORCH_GROUP
from autograder.official.judging.plan import stubbed_editable
from autograder.paths import ROOT
from autograder.release import contents
from autograder.rubric import load_rubric

WORKER_PYTHON = "/opt/rnn-worker/bin/python"
TORCH_WORKER_PYTHON = "/opt/rnn-worker-torch/bin/python"
GRADER_PYTHON = "/opt/rnn-grader/bin/python"
SECRET_NAME = "course.secret"
UID_FILE = "worker_uid"  # written by setup.sh in /autograder/source: the uid run_autograder gives --worker-uid
DEFAULT_UID = DEFAULT_FIRST_UID
GRADER_DIRS = ("autograder", "reference_data")
GRADER_FILES = ("requirements.txt", "requirements-dev.txt")
JUNK = ("*/__pycache__/*", "*.pyc", "*/.*")

SETUP_SH = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source when it builds the image.
set -euo pipefail
cd "$(dirname "$0")"
# The uid (and gid) student code runs as: one variable, remembered for run_autograder in {UID_FILE}.
WORKER_UID="${{RNN_WORKER_UID:-{DEFAULT_UID}}}"
apt-get update -q
apt-get install -y -q python3 python3-venv python3-pip
python3 -c 'import sys; assert sys.version_info >= (3, 11), "choose a base image with Python 3.11+ (Ubuntu 24.04)"'
# The grader: numpy and torch (CPU build), private to root.
/usr/bin/python3 -m venv {GRADER_PYTHON.rsplit("/bin/", 1)[0]}
{GRADER_PYTHON} -m pip install -q --extra-index-url https://download.pytorch.org/whl/cpu -r requirements-dev.txt
chmod 700 {GRADER_PYTHON.rsplit("/bin/", 1)[0]}
# What student code runs with: numpy only, readable by the worker user. From the system Python (/usr/bin), which
# every user can read (a pyenv Python under /root is not).
/usr/bin/python3 -m venv {WORKER_PYTHON.rsplit("/bin/", 1)[0]}
{WORKER_PYTHON} -m pip install -q -r requirements.txt
chmod -R a+rX,go-w {WORKER_PYTHON.rsplit("/bin/", 1)[0]}
# The steps whose student code uses torch (the poem homework) run apart, with numpy and torch. Readable only by the
# group {TORCH_GROUP}, which only those steps' workers get: where the container allows no namespaces, that is what
# keeps torch from the numpy steps.
getent group {TORCH_GROUP} >/dev/null || groupadd --system {TORCH_GROUP}
/usr/bin/python3 -m venv {TORCH_WORKER_PYTHON.rsplit("/bin/", 1)[0]}
{TORCH_WORKER_PYTHON} -m pip install -q --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt \\
    "$(grep '^torch==' requirements-dev.txt)"
chgrp -R {TORCH_GROUP} {TORCH_WORKER_PYTHON.rsplit("/bin/", 1)[0]}
chmod -R g+rX,go-w,o-rwx {TORCH_WORKER_PYTHON.rsplit("/bin/", 1)[0]}
# The worker user: no home, no login, no other groups.
getent group "$WORKER_UID" >/dev/null || groupadd --system --gid "$WORKER_UID" rnn-worker
id -u rnn-worker >/dev/null 2>&1 || useradd --system --no-create-home --uid "$WORKER_UID" --gid "$WORKER_UID" \\
    --shell /usr/sbin/nologin rnn-worker
echo "$WORKER_UID" > {UID_FILE}
chmod -R go-rwx .
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this as root, from /autograder; it works from any directory and as source/run_autograder.
set -euo pipefail
here="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
if [ -d "$here/source/autograder" ]; then top="$here"; src="$here/source"
else src="$here"; top="$(dirname "$here")"; fi
python="${{RNN_GRADER_PYTHON:-{grader}}}"
worker="${{RNN_WORKER_PYTHON:-{worker}}}"
torch_worker="${{RNN_TORCH_WORKER_PYTHON:-{torch_worker}}}"
# The grader tree (solution-free, but with key, oracles and secret) and the results: root's only.
chmod -R go-rwx "$src"
mkdir -p "$top/results"
chmod 700 "$top/results"
cd "$src"
exec "$python" -m autograder.official gradescope --submission "$top/submission" \\
    --results "$top/results/results.json" --secret "$src/{secret}" --worker-python "$worker" \\
    --torch-worker-python "$torch_worker" \\
    --worker-uid "${{RNN_WORKER_UID:-$(cat "$src/{uid_file}" 2>/dev/null || echo {default_uid})}}" {options}
"""


def _grader_tree() -> dict[str, bytes]:
    """-> relative path -> bytes of the grader tree: stubbed student modules, autograder, reference data."""
    rubric = load_rubric()
    out: dict[str, bytes] = {rel: text.encode() for rel, text in stubbed_editable(rubric).items()}
    for rel in contents.shipped_sources(ROOT):
        if rel.split("/", 1)[0] in contents.EDITABLE_DIRS and rel not in out:
            out[rel] = (ROOT / rel).read_bytes()
    for top in GRADER_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            if path.is_file() and not any(Path(rel).match(p) for p in JUNK):
                out[rel] = path.read_bytes()
    for rel in GRADER_FILES:
        out[rel] = (ROOT / rel).read_bytes()
    return out


def _add(zf: zipfile.ZipFile, rel: str, data: bytes, mode: int) -> None:
    info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = mode << 16
    info.create_system = 3
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def write_bundle(out: Path, secret: Path, hidden_cases: int, timeout: float, visibility: str | None) -> None:
    """Write the Gradescope autograder zip to `out` (same inputs, same bytes)."""
    options = f"--hidden-cases {hidden_cases} --timeout {timeout:g}"
    if visibility:
        options += f" --hidden-visibility {shlex.quote(visibility)}"
    run = RUN_AUTOGRADER.format(
        grader=GRADER_PYTHON,
        worker=WORKER_PYTHON,
        torch_worker=TORCH_WORKER_PYTHON,
        secret=SECRET_NAME,
        options=options,
        uid_file=UID_FILE,
        default_uid=DEFAULT_UID,
    )
    with zipfile.ZipFile(out, "w") as zf:
        _add(zf, "setup.sh", SETUP_SH.encode(), 0o700)
        _add(zf, "run_autograder", run.encode(), 0o700)
        _add(zf, SECRET_NAME, secret.read_bytes(), 0o600)
        for rel, data in sorted(_grader_tree().items()):
            _add(zf, rel, data, 0o600)
