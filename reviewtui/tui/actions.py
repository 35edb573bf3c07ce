"""Every action the reviewer can take, as data: keys, footer, help and palette read it.

Keeping one table means a key shown in the footer, listed on the help screen and offered
in the command palette can never disagree with the binding that runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from textual.binding import Binding, BindingType


class Scope(StrEnum):
    """Where an action applies: everywhere, or on one screen."""

    APP = "app"
    OVERVIEW = "overview"
    ITEM = "item"
    MEETING = "meeting"
    FIX = "fix"
    DIALOG = "dialog"

    @property
    def heading(self) -> str:
        """The heading of this scope on the help screen."""
        return _SCOPE_TITLES[self]


_SCOPE_TITLES = {
    Scope.APP: "Everywhere",
    Scope.OVERVIEW: "Overview",
    Scope.ITEM: "Item",
    Scope.MEETING: "Meeting",
    Scope.FIX: "Proposed fix",
    Scope.DIALOG: "Dialogs (answer, note, sign-off)",
}


@dataclass(frozen=True)
class Action:
    """One action: its keys, what it runs, and the words shown for it.

    ``keys`` uses Textual's key names, comma-separated; the first key is the one the
    footer shows. ``label`` is the footer's word for it, ``title`` its name in the
    palette and ``help`` the sentence on the help screen. ``action`` is run on the app
    for :attr:`Scope.APP` and on the screen otherwise. ``show`` puts it in the footer;
    an app action whose ``show`` is a scope is shown only on that screen, to keep the
    footer within 80 columns. ``group`` gathers actions under one footer label.
    ``bound`` is False when Textual already binds the key (the table's enter, the
    palette's ctrl+p), so the entry only documents it.
    """

    id: str
    scope: Scope
    keys: str
    action: str
    label: str
    title: str
    help: str
    show: bool | Scope = True
    group: str = ""
    palette: bool = True
    priority: bool = False
    bound: bool = True


ACTIONS: tuple[Action, ...] = (
    # Everywhere
    Action(
        id="help",
        scope=Scope.APP,
        keys="question_mark,f1",
        action="show_help",
        label="help",
        title="Help: every key",
        help="Show every key",
    ),
    Action(
        id="sign-off",
        scope=Scope.APP,
        keys="s",
        action="sign_off",
        label="sign off",
        title="Sign off",
        help="Sign off the review with your name, role and decision",
        show=Scope.OVERVIEW,
    ),
    Action(
        id="export",
        scope=Scope.APP,
        keys="x",
        action="export",
        label="export",
        title="Export the reports",
        help="Write the Markdown and JSON reports into .reviewtui/",
        show=Scope.OVERVIEW,
    ),
    Action(
        id="start-meeting",
        scope=Scope.APP,
        keys="m",
        action="start_meeting",
        label="meeting",
        title="Start a review meeting",
        help="Start a review meeting: attendees, then one item at a time",
        show=Scope.OVERVIEW,
    ),
    Action(
        id="rescan",
        scope=Scope.APP,
        keys="r",
        action="rescan",
        label="rescan",
        title="Rescan the project",
        help="Read the project again and update the detected answers",
        show=False,
    ),
    Action(
        id="save",
        scope=Scope.APP,
        keys="ctrl+s",
        action="save_review",
        label="save",
        title="Save the review now",
        help="Save the review now; retries a save that failed",
        show=False,
    ),
    Action(
        id="palette",
        scope=Scope.APP,
        keys="ctrl+p",
        action="command_palette",
        label="commands",
        title="Command palette",
        help="Open the command palette",
        show=False,
        palette=False,
        bound=False,
    ),
    Action(
        id="quit",
        scope=Scope.APP,
        keys="q",
        action="quit",
        label="quit",
        title="Quit",
        help="Quit; every answer is already saved",
        show=Scope.OVERVIEW,
        palette=False,
    ),
    Action(
        id="quit-anywhere",
        scope=Scope.APP,
        keys="ctrl+q",
        action="quit",
        label="quit",
        title="Quit",
        help="Quit, even from inside a text field",
        show=False,
        palette=False,
        bound=False,
    ),
    # Overview
    Action(
        id="open",
        scope=Scope.OVERVIEW,
        keys="enter",
        action="open_checklist",
        label="open",
        title="Open the highlighted checklist",
        help="Walk the highlighted checklist from its first item",
        bound=False,
    ),
    Action(
        id="walk-all",
        scope=Scope.OVERVIEW,
        keys="w",
        action="walk_all",
        label="walk all",
        title="Walk every item",
        help="Walk every item of every checklist",
        show=False,
    ),
    Action(
        id="changes",
        scope=Scope.OVERVIEW,
        keys="d",
        action="show_changes",
        label="changes",
        title="Changes since the last sign-off",
        help="List what changed since the last sign-off; enter opens an item",
        show=False,
    ),
    # Item
    Action(
        id="next",
        scope=Scope.ITEM,
        keys="n,right,j",
        action="next_item",
        label="next",
        title="Next item",
        help="Go to the next item that the filter shows",
        priority=True,
    ),
    Action(
        id="previous",
        scope=Scope.ITEM,
        keys="p,left,k",
        action="previous_item",
        label="prev",
        title="Previous item",
        help="Go to the previous item that the filter shows",
        priority=True,
    ),
    Action(
        id="pass",
        scope=Scope.ITEM,
        keys="1",
        action="answer('pass')",
        label="pass",
        title="Answer pass",
        help="Answer: pass",
        group="answer",
    ),
    Action(
        id="fail",
        scope=Scope.ITEM,
        keys="2",
        action="answer('fail')",
        label="fail",
        title="Answer fail",
        help="Answer: fail",
        group="answer",
    ),
    Action(
        id="not-applicable",
        scope=Scope.ITEM,
        keys="3",
        action="answer('not_applicable')",
        label="n/a",
        title="Answer not applicable",
        help="Answer: not applicable",
        group="answer",
    ),
    Action(
        id="accept-risk",
        scope=Scope.ITEM,
        keys="4",
        action="accept_risk",
        label="risk",
        title="Accept the risk",
        help="Answer: accepted risk, with a reason",
        group="answer",
    ),
    Action(
        id="clear",
        scope=Scope.ITEM,
        keys="0,delete",
        action="answer('')",
        label="clear",
        title="Clear the answer",
        help="Clear your answer; the detected answer applies again",
        show=False,
    ),
    Action(
        id="confirm",
        scope=Scope.ITEM,
        keys="c",
        action="confirm",
        label="confirm",
        title="Confirm the detected answer",
        help="Confirm the detected answer as yours",
    ),
    Action(
        id="note",
        scope=Scope.ITEM,
        keys="e",
        action="edit_note",
        label="note",
        title="Edit the note",
        help="Write or edit your note on this item",
    ),
    Action(
        id="action-item",
        scope=Scope.ITEM,
        keys="o",
        action="set_action",
        label="owner",
        title="Owner and due date",
        help="Make a failing item an action item: who fixes it and by when",
        show=False,
    ),
    Action(
        id="targets",
        scope=Scope.ITEM,
        keys="t",
        action="toggle_targets",
        label="targets",
        title="Show every target",
        help="Show every target of the item, or only the first ones again",
        show=False,
    ),
    Action(
        id="top",
        scope=Scope.ITEM,
        keys="home,g",
        action="scroll_top",
        label="top",
        title="Scroll to the top",
        help="Scroll to the top of the item, its title",
        show=False,
        palette=False,
        priority=True,
    ),
    Action(
        id="bottom",
        scope=Scope.ITEM,
        keys="end,G",
        action="scroll_bottom",
        label="bottom",
        title="Scroll to the bottom",
        help="Scroll to the bottom of the item, its references",
        show=False,
        palette=False,
        priority=True,
    ),
    Action(
        id="show-fix",
        scope=Scope.ITEM,
        keys="F",
        action="show_fix",
        label="fix",
        title="Propose a fix",
        help="Show each failing target's fix as a diff: apply, skip or copy it",
        # The footer is full at 80 columns; the walk bar says "F fix" when there is one.
        show=False,
    ),
    Action(
        id="filter",
        scope=Scope.ITEM,
        keys="f",
        action="cycle_filter",
        label="filter",
        title="Change the filter",
        help="Show all items, only failing ones, or only unanswered ones",
    ),
    Action(
        id="back",
        scope=Scope.ITEM,
        keys="escape",
        action="back",
        label="back",
        title="Back to the overview",
        help="Back to the overview",
    ),
    # Meeting
    Action(
        id="meeting-next",
        scope=Scope.MEETING,
        keys="n,right,j",
        action="next_item",
        label="next",
        title="Next item",
        help="Go to the next item that the filter shows",
        priority=True,
    ),
    Action(
        id="meeting-previous",
        scope=Scope.MEETING,
        keys="p,left,k",
        action="previous_item",
        label="prev",
        title="Previous item",
        help="Go to the previous item that the filter shows",
        show=False,
        priority=True,
    ),
    Action(
        id="meeting-pass",
        scope=Scope.MEETING,
        keys="1",
        action="decide('pass')",
        label="pass",
        title="Decide pass",
        help="Decide: pass, taken by the attendee who decides",
        group="decide",
    ),
    Action(
        id="meeting-fail",
        scope=Scope.MEETING,
        keys="2",
        action="decide('fail')",
        label="fail",
        title="Decide fail",
        help="Decide: fail",
        group="decide",
    ),
    Action(
        id="meeting-not-applicable",
        scope=Scope.MEETING,
        keys="3",
        action="decide('not_applicable')",
        label="n/a",
        title="Decide not applicable",
        help="Decide: not applicable",
        group="decide",
    ),
    Action(
        id="meeting-accept-risk",
        scope=Scope.MEETING,
        keys="4",
        action="decide_risk",
        label="risk",
        title="Decide to accept the risk",
        help="Decide: accepted risk, with a reason",
        group="decide",
    ),
    Action(
        id="meeting-decider",
        scope=Scope.MEETING,
        keys="w",
        action="next_decider",
        label="who",
        title="Change who decides",
        help="Who decides: the next attendee, in turn",
    ),
    Action(
        id="meeting-note",
        scope=Scope.MEETING,
        keys="e",
        action="edit_note",
        label="note",
        title="Edit the note",
        help="Write or edit the meeting's note on this item",
    ),
    Action(
        id="meeting-details",
        scope=Scope.MEETING,
        keys="d",
        action="toggle_details",
        label="details",
        title="Show every detail",
        help="Show every detail of the item, or the large view again",
    ),
    Action(
        id="meeting-filter",
        scope=Scope.MEETING,
        keys="f",
        action="cycle_filter",
        label="filter",
        title="Change the filter",
        help="Walk undecided items, undecided ones failing first, or all",
        show=False,
    ),
    Action(
        id="meeting-end",
        scope=Scope.MEETING,
        keys="escape",
        action="end_meeting",
        label="end",
        title="End the meeting",
        help="End the meeting (from the details: back to the large view)",
    ),
    Action(
        id="meeting-quit",
        scope=Scope.MEETING,
        keys="q",
        action="end_and_quit",
        label="quit",
        title="End the meeting and quit",
        help="End the meeting and quit",
        show=False,
    ),
    # Proposed fix
    Action(
        id="fix-apply",
        scope=Scope.FIX,
        keys="a",
        action="apply_fix",
        label="apply",
        title="Apply the fix",
        help="Write the fix (only over the file as scanned), then rescan",
    ),
    Action(
        id="fix-skip",
        scope=Scope.FIX,
        keys="s",
        action="skip_fix",
        label="skip",
        title="Skip this target",
        help="Leave this target as it is and go to the next one (or close)",
    ),
    Action(
        id="fix-copy",
        scope=Scope.FIX,
        keys="c",
        action="copy_diff",
        label="copy",
        title="Copy the diff",
        help="Copy the diff to the clipboard (secret values masked)",
    ),
    Action(
        id="fix-rescan",
        scope=Scope.FIX,
        keys="r",
        action="rescan",
        label="rescan",
        title="Rescan the project",
        help="Scan again, then propose the fix from the file as it is now",
        show=False,
    ),
    Action(
        id="fix-close",
        scope=Scope.FIX,
        keys="escape",
        action="close",
        label="close",
        title="Close",
        help="Close the proposed fix; nothing more is written",
    ),
    # Dialogs
    Action(
        id="submit",
        scope=Scope.DIALOG,
        keys="ctrl+s",
        action="submit",
        label="save",
        title="Save",
        help="Save the dialog (enter does it too in a one-line field)",
        palette=False,
    ),
    Action(
        id="cancel",
        scope=Scope.DIALOG,
        keys="escape",
        action="cancel",
        label="cancel",
        title="Cancel",
        help="Close the dialog without saving",
        palette=False,
    ),
    Action(
        id="next-field",
        scope=Scope.DIALOG,
        keys="tab,shift+tab",
        action="focus_next",
        label="next field",
        title="Next field",
        help="Move to the next or previous field",
        show=False,
        palette=False,
        bound=False,
    ),
)


def actions_for(scope: Scope) -> list[Action]:
    """The actions of one scope, in table order."""
    return [action for action in ACTIONS if action.scope is scope]


def bindings_for(scope: Scope) -> list[BindingType]:
    """Textual bindings for the actions of one scope that this app binds itself.

    The first key of an action is the one in the footer; the others are bound hidden.
    A screen also gets a footer entry for each app action shown on that screen.
    """
    bindings: list[BindingType] = []
    groups: dict[str, Binding.Group] = {}
    for action in ACTIONS:
        if not action.bound:
            continue
        if action.scope is scope:
            group = (
                groups.setdefault(action.group, Binding.Group(action.group, compact=True))
                if action.group
                else None
            )
            bindings += _bindings(action, action.action, action.show is True, group)
        elif action.scope is Scope.APP and action.show is scope:
            bindings += _bindings(action, f"app.{action.action}", True, None)
    return bindings


def _bindings(action: Action, run: str, show: bool, group: Binding.Group | None) -> list[Binding]:
    first, *others = action.keys.split(",")
    bindings = [
        Binding(
            first,
            run,
            action.label,
            show=show,
            priority=action.priority,
            tooltip=action.help,
            id=action.id,
            group=group,
        )
    ]
    if others:
        bindings.append(
            Binding(
                ",".join(others),
                run,
                action.label,
                show=False,
                priority=action.priority,
                tooltip=action.help,
            )
        )
    return bindings


_KEY_NAMES = {
    "question_mark": "?",
    "escape": "esc",
    "right": "→",
    "left": "←",
    "delete": "del",
}


def key_names(action: Action) -> str:
    """The action's keys as a reviewer reads them, e.g. ``n → j``."""
    return " ".join(_KEY_NAMES.get(key, key) for key in action.keys.split(","))
