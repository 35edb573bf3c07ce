"""The help screen: every key of the app, read from the actions table."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from reviewtui.tui.actions import ACTIONS, Scope, actions_for, key_names
from reviewtui.tui.screens.dialog import DialogScreen


class HelpScreen(DialogScreen[None]):
    """A scrollable list of every key, grouped by where it works; escape closes."""

    # A modal screen does not see the app's bindings, so the help keys close it here.
    BINDINGS = [
        *DialogScreen.BINDINGS,
        *(Binding(a.keys, "cancel", show=False) for a in ACTIONS if a.id == "help"),
    ]

    def compose(self) -> ComposeResult:
        """One table of keys per scope."""
        with Vertical(classes="dialog", id="help-dialog") as dialog:
            dialog.border_title = "Keys"
            dialog.border_subtitle = "escape closes"
            with VerticalScroll(id="help-body"):
                yield Static(
                    Text.assemble(
                        ("reviewtui ", "bold"),
                        "walks the image, build, runtime and operations checklists. Every "
                        "answer and note is saved at once in .reviewtui/review.json.",
                    ),
                    classes="help-intro",
                )
                for scope in Scope:
                    yield Static(keys_table(scope), classes="help-table")

    def action_submit(self) -> None:
        """Nothing to save: ctrl+s closes as well."""
        self.dismiss(None)


def keys_table(scope: Scope) -> Table:
    """A two-column table of keys and what they do, titled by the scope."""
    table = Table(
        title=scope.heading,
        title_justify="left",
        title_style="bold",
        show_header=False,
        box=None,
        padding=(0, 2, 0, 0),
        expand=True,
    )
    table.add_column("keys", style="bold", no_wrap=True, min_width=14)
    table.add_column("does", ratio=1)
    for action in actions_for(scope):
        table.add_row(key_names(action), action.help)
    return table
