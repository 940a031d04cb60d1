"""Case specs described from their own parameters, so that each size is written once.

A table of specs states every size in its parameters; the description messages
show ("batch 3, hidden 4, 2 layers") is filled in from them by one template.
"""

import string
from dataclasses import dataclass, field
from typing import Any

from autograder.steps import Spec


class _SizeFormatter(string.Formatter):
    # "{layers:layer}" writes the size with its noun, plural unless the size is 1 ("1 layer", "2 layers");
    # any other field is formatted as str.format does ("{temperature:g}": 1.0 -> "1").
    def format_field(self, value: Any, format_spec: str) -> str:
        if len(format_spec) > 1 and format_spec.isalpha():
            return f"{value} {format_spec}" + ("" if value == 1 else "s")
        return super().format_field(value, format_spec)


_FORMATTER = _SizeFormatter()


@dataclass(frozen=True)
class Described:
    """A maker of specs whose description is `template` filled in with their parameters.

    template: str.format text naming parameters ("batch {batch}, {layers:layer}": a field whose format is a
    word writes the size with that noun, plural unless it is 1); shown: values the description shows for
    parameters a spec leaves out (the builder's own defaults, e.g. {"layers": 1}).
    """

    template: str
    shown: dict[str, Any] = field(default_factory=dict)

    def __call__(self, *notes: str, **params: Any) -> Spec:
        """-> Spec(description, params); the description is the filled-in template, then ", note" per note."""
        desc = _FORMATTER.format(self.template, **{**self.shown, **params})
        return Spec(", ".join((desc, *notes)), params)

    def then(self, more: str) -> "Described":
        """-> the maker whose template is this one's followed by `more` (same shown values)."""
        return Described(self.template + more, self.shown)
