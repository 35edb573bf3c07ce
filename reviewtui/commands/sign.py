"""``reviewtui sign REVIEW_FILE``: sign a saved review off, headless, with an SSH signature.

The key is ``--key FILE`` (a private key, or a public key whose private half ssh-agent
holds), else git's own signing key (``user.signingkey`` when ``gpg.format`` is ``ssh``),
else none: the sign-off is then recorded unsigned. ``--unsigned`` records it unsigned
whatever git says. Several people sign the same review one after another; each
sign-off is added to the review file. Exits 0 when the sign-off is recorded, 2 when it
cannot be (no such file, a missing name or decision, a key that cannot sign).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from reviewtui.commands.base import EXIT_OK, UsageError

if TYPE_CHECKING:
    from reviewtui.review.session import ReviewSession

NAME = "sign"
HELP = "sign a saved review off, with an SSH signature"
DECISIONS = ("approved", "approved_with_conditions", "changes_required")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The review file, who signs, in what role, what they decide, and with which key."""
    parser.add_argument(
        "review_file", type=Path, help="the review file, e.g. PROJECT/.reviewtui/review.json"
    )
    parser.add_argument("--name", required=True, help="who signs off")
    parser.add_argument("--email", default="", help="their email: the identity a signature names")
    parser.add_argument("--role", default="", help="their role, e.g. 'service owner'")
    parser.add_argument("--decision", required=True, choices=DECISIONS, help="what they decide")
    keys = parser.add_mutually_exclusive_group()
    keys.add_argument(
        "--key",
        metavar="FILE",
        help="the SSH key to sign with: a private key file, or a public key file whose "
        "private key ssh-agent holds (default: git's user.signingkey when gpg.format is ssh)",
    )
    keys.add_argument(
        "--unsigned", action="store_true", help="record the sign-off without a signature"
    )


def run(options: argparse.Namespace) -> int:
    """Record the sign-off, signed when there is a key, and say what was recorded."""
    from reviewtui.review.model import Decision
    from reviewtui.review.session import AnswerError
    from reviewtui.review.signing import SigningError, describe_key, key_kind
    from reviewtui.review.store import ReviewSaveError

    path: Path = options.review_file
    session = _session(path)
    key, source = _key(options, session.root)
    try:
        signoff = session.sign_off(
            options.name,
            options.email,
            options.role,
            Decision(options.decision),
            key=key,
            ask_passphrase=sys.stdin.isatty(),
        )
    except AnswerError as error:
        raise UsageError(str(error)) from None
    except SigningError as error:
        if source:
            raise UsageError(
                f"{source} {error}; give another key with --key, or sign off with --unsigned"
            ) from None
        raise UsageError(f"--key {error}") from None
    except ReviewSaveError as error:
        raise UsageError(str(error)) from None

    who = signoff.name + (f" <{signoff.email}>" if signoff.email else "")
    role = f" ({signoff.role})" if signoff.role else ""
    print(f"Signed off {path}: {signoff.decision.label} by {who}{role} at {signoff.time}")
    if signoff.signed:
        origin = f" from {source}" if source else ""
        print(
            f"  signed with {key_kind(signoff.key)} key {signoff.fingerprint}"
            f" ({describe_key(key or '')}{origin})"
        )
    else:
        print(
            "  unsigned: nothing proves who signed off (give --key FILE, or set git's "
            "user.signingkey with gpg.format ssh)"
        )
    print(f"  content SHA-256 {signoff.content_digest}")
    return EXIT_OK


def _session(path: Path) -> ReviewSession:
    """The review file's session: its project's checklists, saving to the file."""
    from reviewtui.checklists import ChecklistError
    from reviewtui.custom.catalogue import load_project_catalogue
    from reviewtui.review import store
    from reviewtui.review.session import ReviewSession

    try:
        review = store.load(path)
    except store.ReviewFileError as error:
        raise UsageError(str(error)) from None
    root = project_root(path)
    try:
        catalogue = load_project_catalogue(root)
    except ChecklistError as error:
        raise UsageError(f"checklist: {error}") from None
    return ReviewSession(root, catalogue, review, path, autosave=True)


def project_root(path: Path) -> Path:
    """The project a review file or report belongs to: the folder holding its
    ``.reviewtui`` folder, else the folder it lies in."""
    folder = path.resolve().parent
    return folder.parent if folder.name == ".reviewtui" else folder


def _key(options: argparse.Namespace, root: Path) -> tuple[str | None, str]:
    """The key to sign with and where it came from ("" for --key or none)."""
    from reviewtui.review.signing import git_signing_key

    if options.unsigned:
        return None, ""
    if options.key is not None:
        if not options.key.strip():
            raise UsageError("--key: give a key file, or --unsigned")
        return options.key, ""
    key = git_signing_key(root)
    return (key, "git's user.signingkey") if key else (None, "")
