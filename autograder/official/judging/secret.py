"""The course secret, and the hidden-case stream it gives each submission.

The stream depends on the secret and on the submission's own files, so a
regrade of the same submission draws the same hidden cases (the same grade),
and the inputs one student sees in a message say nothing about another's.
"""

import hashlib
import hmac
import os
from pathlib import Path


class SecretError(Exception):
    """The secret file cannot be used."""


def new_secret(path: Path) -> None:
    """Write a fresh random secret (256 bits, hex) to path, readable by its owner only; refuses to overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(os.urandom(32).hex() + "\n")


def read_secret(path: Path) -> bytes:
    """-> the secret in the file (surrounding whitespace ignored); refuses an empty or short one."""
    try:
        secret = path.read_bytes().strip()
    except OSError as exc:
        raise SecretError(f"cannot read the secret file {path} ({exc.strerror})") from None
    if len(secret) < 8:
        raise SecretError(f"the secret in {path} is shorter than 8 characters")
    return secret


def submission_digest(files: dict[str, str]) -> bytes:
    """files: relative path -> text of a handin's accepted files -> SHA-256 over paths and contents, in path order."""
    h = hashlib.sha256()
    for rel in sorted(files):
        data = files[rel].encode("utf-8")
        h.update(len(rel).to_bytes(8, "big") + rel.encode() + len(data).to_bytes(8, "big") + data)
    return h.digest()


def hidden_stream(secret: bytes, submission: bytes) -> int:
    """secret, submission digest -> the case stream of that submission's hidden cases (2 and up).

    Streams 0 and 1 are the public references and the runner's live checks.
    """
    digest = hmac.new(secret, b"rnn-autograder hidden cases\0" + submission, hashlib.sha256).digest()
    return 2 + int.from_bytes(digest[:8], "big")


def fingerprint(secret: bytes) -> str:
    """Give 12 hex digits that tell which secret graded a batch (in results.json), without revealing it.

    A keyed hash of a fixed label: like the hidden cases a student sees, it lets a guess of the secret be
    checked but gives nothing better than guessing; `new-secret` makes secrets no one can guess.
    """
    return hmac.new(secret, b"rnn-autograder secret fingerprint", hashlib.sha256).hexdigest()[:12]
