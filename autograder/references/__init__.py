"""Reference data: what torch says each step must produce, stored in reference_data/ and checked before use.

- array_file.py: the file format, named arrays that load with one read;
- case_files.py: cases as the named arrays of one step's file;
- fingerprint.py: what produced a file (the step's case specs, its oracle's source), so stale data is refused;
- store.py: reading the stored files through the manifest's hashes and fingerprints
  (`python -m autograder.references.store` checks them all without torch);
- diff.py: how a regenerated file differs from the stored one (not at all, by rounding, really);
- regenerate.py: writing them from the torch oracles, `python -m autograder.references` (instructor-only).
"""
