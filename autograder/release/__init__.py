"""Build the student release from the instructor's source: `python -m autograder.release build`.

Instructor-only: this package is never shipped. `markers` finds solution
regions and writes stubs, `contents` decides what ships, `archive` writes a
reproducible .tar.gz, and `build` puts them together with the checks.
"""
