"""The command palette's provider: the actions that fit the screen it was opened on, and
every item by its id or title, to jump to it."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from reviewtui.tui.actions import ACTIONS, Action, Scope, key_names


class ReviewCommands(Provider):
    """Offers the app's actions plus those of the current screen, with their keys."""

    def _actions(self) -> list[tuple[Action, DOMNode]]:
        """Each offered action with the node it runs on."""
        scope = getattr(self.screen, "SCOPE", None)
        offered: list[tuple[Action, DOMNode]] = []
        for action in ACTIONS:
            if not action.palette:
                continue
            if action.scope is Scope.APP:
                offered.append((action, self.app))
            elif action.scope is scope:
                offered.append((action, self.screen))
        return offered

    async def discover(self) -> Hits:
        """Every offered action, before anything is typed."""
        for action, node in self._actions():
            yield DiscoveryHit(action.title, partial(self._run, action, node), help=_help(action))

    async def search(self, query: str) -> Hits:
        """The offered actions whose words match ``query``, then the items that do."""
        matcher = self.matcher(query)
        for action, node in self._actions():
            score = matcher.match(action.title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(action.title),
                    partial(self._run, action, node),
                    text=action.title,
                    help=_help(action),
                )
        open_item = getattr(self.app, "open_item", None)
        session = getattr(self.app, "session", None)
        if open_item is None or session is None:
            return
        for item in session.catalogue.items:
            words = f"{item.title}  {item.id}"
            score = matcher.match(words)
            if score > 0:
                # Items rank below actions of the same score: the palette is first a
                # list of what can be done.
                yield Hit(
                    score * 0.9,
                    matcher.highlight(words),
                    partial(open_item, item.id),
                    text=words,
                    help=f"open this item ({item.checklist} checklist)",
                )

    async def _run(self, action: Action, node: DOMNode) -> None:
        await self.app.run_action(action.action, node)


def _help(action: Action) -> str:
    """The palette's second line: what the action does and its key."""
    return f"{action.help}  ({key_names(action)})"
