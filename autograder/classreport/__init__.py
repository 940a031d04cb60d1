"""The class report: what a class got wrong, read from many handins' results.json.

`collect` reads a graded batch folder (official grading's `<name>/results.json`)
or a folder of the runner's `--json` files; `summary` counts what they record
as typed facts (statuses, the hints named, first wrong outputs, causes,
settings), never parsing message text; `charts` draws the score histogram and
the pass rates; `page` writes one self-contained HTML page and `hints.csv`;
`similarity` compares the handins' code with copydetect. The command is
`python -m autograder.official report OUT_DIR`.
"""
