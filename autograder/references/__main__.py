"""Regenerate the stored references from torch: `python -m autograder.references` (see regenerate.py)."""

import sys

from autograder.references.regenerate import main

sys.exit(main())
