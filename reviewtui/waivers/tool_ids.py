"""The id table: which checklist items another tool's rule id stands for.

Every item lists the ids other tools use for the same check under ``references.tools``
(``hadolint: [DL3002]``), so the table is read from the catalogue and a team's own
items take part as soon as they list ids. Only the tools whose ignore comments are read
here count.
"""

from __future__ import annotations

from reviewtui.checklists import Catalogue
from reviewtui.waivers.comments import normalise_rule
from reviewtui.waivers.model import WaiverSource

# The key each tool has under references.tools in the checklists.
TOOL_KEYS = {
    WaiverSource.HADOLINT: "hadolint",
    WaiverSource.CHECKOV: "checkov",
    WaiverSource.TRIVY: "trivy",
}


class ToolIds:
    """Item ids by tool and rule id, built once per scan from the catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._items: dict[tuple[WaiverSource, str], list[str]] = {}
        self._rules: dict[tuple[WaiverSource, str], frozenset[str]] = {}
        for item in catalogue.items:
            for source, key in TOOL_KEYS.items():
                rules = frozenset(
                    normalise_rule(source, rule) for rule in item.references.tools.get(key, ())
                )
                if rules:
                    self._rules[(source, item.id)] = rules
                for rule in sorted(rules):
                    entry = self._items.setdefault((source, rule), [])
                    if item.id not in entry:
                        entry.append(item.id)

    def items_for(self, source: WaiverSource, rule: str) -> list[str]:
        """The items that list ``rule`` for the tool ``source``; empty when none does.

        A rule may stand for several items (trivy's DS-0031 covers secrets in ARG and
        ENV as well as secret files copied in): the comment then waives each of them, and
        the place of the comment decides which targets.
        """
        return list(self._items.get((source, normalise_rule(source, rule)), ()))

    def rules_of(self, source: WaiverSource, item_id: str) -> frozenset[str]:
        """Every rule id the tool ``source`` has for the item, normalised."""
        return self._rules.get((source, item_id), frozenset())
