"""What a fix is: a change to one project file that makes one failing target pass.

A fixer reads the text of the file a target lives in and returns an :class:`Edit`: the
new text and what the change does. The planner (:mod:`reviewtui.fix.plan`) turns that
into a :class:`Fix` tied to the item, the target and the text it was made from, so a fix
is only ever written over the very text it was computed on.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from reviewtui.masking import MASK, mask_secrets, strip_controls
from reviewtui.model import Finding, Target


@dataclass(frozen=True)
class Edit:
    """A fixer's answer: the file's new text and what the change means for the reviewer.

    ``behaviour`` says how the change can alter what the service or image does (empty
    when it cannot); ``check`` what to look at after applying it.
    """

    text: str
    summary: str
    behaviour: str = ""
    check: str = ""


Fixer = Callable[[str, Target, Finding], Edit | None]
"""Given a file's text, the failing target in it and its finding: the edit, or None when
this file gives no mechanical fix (the reviewer must decide). A fixer raises
:class:`Covered` when the item passes for the target in the text it is given."""


class Covered(Exception):
    """Raised by a fixer when the item already passes for the target in the text it was
    given: nothing is left to fix there (in a plan, an earlier fix saw to it)."""


@dataclass(frozen=True)
class Fix:
    """One failing target of one item, and the change to ``path`` that fixes it."""

    item: str
    target: Target
    path: str
    summary: str
    behaviour: str
    check: str
    before: str
    after: str

    @property
    def changes_behaviour(self) -> bool:
        """True when applying the fix can change what the service or image does."""
        return bool(self.behaviour)

    def diff(self) -> str:
        """The change as a unified diff, with secret values masked and control characters
        removed: safe for the screen, the clipboard and every report."""
        return unified_diff(self.path, self.before, self.after)

    @property
    def masked(self) -> bool:
        """True when :meth:`diff` differs from the real change (a secret masked, a control
        character removed), so it will not apply with ``patch``."""
        return diff_is_masked(self.path, self.before, self.after)


def unified_diff(path: str, before: str, after: str, context: int = 3) -> str:
    """``before`` to ``after`` as a unified diff of ``a/PATH`` and ``b/PATH``, masked.

    Masking makes a diff that touches a secret unusable with ``patch``; that is the
    price of never showing one. Applying a fix never goes through the diff.
    """
    lines = difflib.unified_diff(
        _masked_lines(before), _masked_lines(after), f"a/{path}", f"b/{path}", n=context
    )
    shown = []
    for line in lines:
        shown.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(shown)


def diff_is_masked(path: str, before: str, after: str, context: int = 3) -> bool:
    """True when masking changed a line that :func:`unified_diff` shows."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        f"a/{path}",
        f"b/{path}",
        n=context,
    )
    plain = "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        for line in lines
    )
    return plain != unified_diff(path, before, after, context)


def masked_lines(text: str) -> list[str]:
    """The text's lines (with their ends) as every display shows them: secret values
    masked, control characters removed, one line for each line of the file."""
    return list(_masked_lines(text))


# A private key spans lines, so it is masked over the whole text, one mask per line, and
# the diff's line numbers stay those of the file.
_KEY_BLOCK = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S
)


@functools.lru_cache(maxsize=8)
def _masked_lines(text: str) -> tuple[str, ...]:
    # Kept for the last few texts: a report's fix masks its file's text for the diff, for
    # telling whether masking changed it, and for the lines SARIF inserts.
    text = _KEY_BLOCK.sub(lambda match: "\n".join(MASK for _ in match[0].split("\n")), text)
    lines = text.splitlines(keepends=True)
    return tuple(_masked_line(line) for line in lines)


def _masked_line(line: str) -> str:
    ending = "\n" if line.endswith("\n") else ""
    return strip_controls(mask_secrets(line.rstrip("\r\n"))) + ending
