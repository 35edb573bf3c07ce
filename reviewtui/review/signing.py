"""Sign-offs that prove themselves: the canonical content, SSH signatures, the report's seal.

**The canonical content** is what a signature vouches for. It is the UTF-8 text of one
JSON document, with sorted keys, no spaces (``","`` and ``":"``) and non-ASCII
characters as they are (:func:`~reviewtui.review.model.canonical_json`)::

    {"engines": [...], "format": "reviewtui-content", "items": {...},
     "meetings": [...], "problems": [...], "project": "my-app", "version": 1}

- ``items``: one entry per item id of the checklists that has findings, an answer or a
  waiver: ``{"answer": ..., "findings": [...], "waivers": [...]}``. ``findings`` are the
  findings as the review file holds them (target, status, reason, evidence), in the
  review's order; ``answer`` is the reviewer's answer as the review file holds it
  (verdict, reason, note, the detected status it answered, owner, due date, who
  decided) without the time it was given, or null; ``waivers`` are the waivers naming
  the item, in the review's order.
- ``problems``: the files that could not be read, as ``path:line: reason``.
- ``engines``: the Docker engines of a live review, without the time of inspection.
- ``project``: the project's name.
- ``meetings``: the review meetings, oldest first, as the review file holds them
  (started, ended, attendees, the items decided); left out when there were none, so a
  review without meetings has the content it had before meetings were signed.

Times of scanning, answering and inspecting are left out, so a re-scan that finds the
same things keeps every signature good. **The checklists** (their names and titles,
and each item's texts, severity, references and whether a detector answers it) form a
second canonical document of the same kind, so a report's questions and severities
are signed too, while a review file, which holds no checklist text, still verifies
under another reviewtui's checklists (``verify`` says that they differ).

**The statement** is what ssh-keygen signs (``ssh-keygen -Y sign -n reviewtui``): the
canonical JSON, and a newline, of the sign-off's own fields (``name``, ``email``,
``role``, ``decision``, ``time``, ``digest``) beside ``content`` and ``checklists``, the
SHA-256 of the two canonical documents, and ``"format": "reviewtui-signoff",
"version": 1``. A change of one character in the content, the checklists or the
sign-off changes what was signed. Without a key a sign-off still records the digests.

**The seal** lets a Markdown report be checked on its own: an HTML comment at its end
holding, as zlib-compressed base64, the JSON of everything the report was rendered from
(its data, sign-offs and signatures included; reviewtui's data classes and enums
tagged by name), items and checklists named by id to keep it small. ``reviewtui
verify`` opens it with the checklists at hand, derives the canonical content and
checklists from it, checks each signature, renders the report again and compares the
result with the text above the seal, so an edit to the visible text fails as well as an
edit to the seal. What no signature covers (the times of scanning, the links, what
changed since a sign-off) is checked only for agreeing with the seal.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib
import json
import logging
import re
import subprocess
import tempfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path, PurePath

from reviewtui.checklists import Catalogue, Checklist, Item
from reviewtui.model import Finding
from reviewtui.review.meeting import Meeting
from reviewtui.review.model import (
    Answer,
    InspectedEngine,
    ItemState,
    Review,
    SignOff,
    canonical_json,
)
from reviewtui.waivers.model import Waiver

log = logging.getLogger(__name__)

NAMESPACE = "reviewtui"
"""The ssh-keygen namespace of every sign-off signature: a git commit signature (namespace
``git``) can never pass for a sign-off, nor the other way round."""

SEAL_MARK = "<!-- reviewtui-seal"
_SEAL_FORMAT = "reviewtui-seal"
_SEAL_WIDTH = 76
_SEAL_LIMIT = 256 * 1024 * 1024
_SIGN_TIMEOUT = 120.0
_CHECK_TIMEOUT = 30.0
_KEY_LITERAL = ("ssh-", "ecdsa-", "sk-")
_KEY_TYPES = {
    "ssh-ed25519": "ED25519",
    "ssh-rsa": "RSA",
    "ssh-dss": "DSA",
    "ecdsa-sha2-nistp256": "ECDSA",
    "ecdsa-sha2-nistp384": "ECDSA",
    "ecdsa-sha2-nistp521": "ECDSA",
    "sk-ssh-ed25519@openssh.com": "ED25519-SK",
    "sk-ecdsa-sha2-nistp256@openssh.com": "ECDSA-SK",
}
# What ssh-keygen says on its way, not why it failed.
_CHATTER = re.compile(r"^(Signing file|Write signature to|Enter passphrase)")


class SigningError(Exception):
    """A signature cannot be made or checked here; the message names the key or tool."""


class SealError(ValueError):
    """A report's seal cannot be read; the message says why."""


# The canonical content


def content_text(
    project: str,
    states: Iterable[ItemState],
    problems: Iterable[str],
    engines: Iterable[InspectedEngine],
    meetings: Iterable[Meeting] = (),
) -> str:
    """The canonical content of a review's items (see the module's docstring)."""
    entries = [(s.item.id, s.findings, s.answer, s.waivers) for s in states]
    return _content(project, entries, problems, engines, meetings)


def review_content_text(review: Review, project: str, problems: Iterable[str]) -> str:
    """The canonical content over every item the review file holds, known to the
    checklists here or not: a review file verified away from its project's own
    checklists still shows the content that was signed."""
    waived = {waiver.item for waiver in review.waivers}
    entries = []
    for item_id in sorted(set(review.findings) | set(review.answers) | waived):
        findings = review.findings.get(item_id, [])
        entries.append(
            (item_id, findings, review.answers.get(item_id), review.waivers_of(item_id))
        )
    return _content(project, entries, problems, review.engines, review.meetings)


def problem_lines(review: Review) -> list[str]:
    """The review's unreadable files as the content and the reports name them."""
    return [f"{problem.location}: {problem.reason}" for problem in review.problems]


def _content(
    project: str,
    entries: Iterable[tuple[str, Sequence[Finding], Answer | None, Sequence[Waiver]]],
    problems: Iterable[str],
    engines: Iterable[InspectedEngine],
    meetings: Iterable[Meeting],
) -> str:
    items: dict[str, object] = {}
    for item_id, findings, answer, waivers in entries:
        answered = answer is not None and not answer.is_empty()
        if not (findings or answered or waivers):
            continue
        answer_fields = None
        if answer is not None and answered:
            answer_fields = {k: v for k, v in answer.to_dict().items() if k != "updated"}
        items[item_id] = {
            "findings": [finding.to_dict() for finding in findings],
            "answer": answer_fields,
            "waivers": [waiver.to_dict() for waiver in waivers],
        }
    document = {
        "format": "reviewtui-content",
        "version": 1,
        "project": project,
        "items": items,
        "problems": list(problems),
        "engines": [_engine_fields(engine) for engine in engines],
    }
    # Only a review that held meetings names them, so a review without any keeps the
    # content, and every signature, it had before meetings were signed.
    # TODO: a sign-off made while a meeting is under way goes stale when the meeting
    # ends, since its end time is part of the content.
    held = [meeting.to_dict() for meeting in meetings]
    if held:
        document["meetings"] = held
    return canonical_json(document)


def _engine_fields(engine: InspectedEngine) -> dict[str, object]:
    return {k: v for k, v in engine.to_dict().items() if k != "inspected_at"}


def checklists_text(checklists: Iterable[Checklist]) -> str:
    """The canonical form of the checklists' texts (see the module's docstring)."""
    document = {
        "format": "reviewtui-checklists",
        "version": 1,
        "checklists": [
            {
                "name": checklist.name,
                "title": checklist.title,
                "description": checklist.description,
                "items": [_item_fields(item) for item in checklist.items],
            }
            for checklist in checklists
        ],
    }
    return canonical_json(document)


def _item_fields(item: Item) -> dict[str, object]:
    return {
        "id": item.id,
        "checklist": item.checklist,
        "title": item.title,
        "question": item.question,
        "why": item.why,
        "fix": item.fix,
        "example": item.example,
        "severity": item.severity.value,
        "cis": list(item.references.cis),
        "tools": {tool: list(ids) for tool, ids in item.references.tools.items()},
        "links": list(item.references.links),
        "automatic": item.automatic,
        "evidence": item.evidence,
    }


def review_digests(review: Review, catalogue: Catalogue, project: str) -> tuple[str, str]:
    """SHA-256 of the canonical content and of the checklists, for a review and the
    checklists it is reviewed against."""
    states = [review.state(item) for item in catalogue.items]
    content = content_text(project, states, problem_lines(review), review.engines, review.meetings)
    return digest_of(content), digest_of(checklists_text(catalogue.checklists))


def digest_of(text: str) -> str:
    """SHA-256 of a canonical document, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def statement(signoff: SignOff) -> bytes:
    """The bytes a sign-off's signature covers (see the module's docstring)."""
    document = {
        "format": "reviewtui-signoff",
        "version": 1,
        "name": signoff.name,
        "email": signoff.email,
        "role": signoff.role,
        "decision": signoff.decision.value,
        "time": signoff.time,
        "digest": signoff.digest,
        "content": signoff.content_digest,
        "checklists": signoff.checklists_digest,
    }
    return (canonical_json(document) + "\n").encode("utf-8")


def items_digest(states: Sequence[ItemState], items: Sequence[Item], project: str) -> str:
    """The review digest the app shows (:meth:`Review.digest`) of these item states."""
    review = Review(project=project, created="")
    for state in states:
        item_id = state.item.id
        if state.findings:
            review.findings[item_id] = list(state.findings)
        if state.answer is not None:
            review.answers[item_id] = state.answer
        review.waivers.extend(state.waivers)
    return review.digest(list(items))


# Keys and signing


def git_signing_key(cwd: Path) -> str:
    """git's SSH signing key for a project, or "" when git signs with another format or
    has no key: ``user.signingkey`` when ``gpg.format`` is ``ssh``, as git reads them
    in ``cwd``. A relative path comes back absolute."""
    if _git_config(cwd, "gpg.format").lower() != "ssh":
        return ""
    key = _git_config(cwd, "user.signingkey")
    if not key or _literal(key) is not None:
        return key
    path = Path(key).expanduser()
    return str(path if path.is_absolute() else (cwd / path))


def _git_config(cwd: Path, name: str) -> str:
    try:
        result = subprocess.run(
            ["git", "config", "--get", name],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as error:
        log.info("git config %s: %s", name, error)
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def describe_key(key: str) -> str:
    """A key as a message names it: its path, or the start of a public key literal."""
    literal = _literal(key)
    if literal is None:
        return key
    kind, _, blob = literal.partition(" ")
    return f"key::{kind} {blob[:12]}…" if blob else f"key::{kind}"


def _literal(key: str) -> str | None:
    """The public key of a ``key::ssh-ed25519 AAAA…`` literal (git's form), else None."""
    text = key.strip()
    if text.startswith("key::"):
        return text.removeprefix("key::").strip()
    if text.startswith(_KEY_LITERAL) and " " in text:
        return text
    return None


def sign(signoff: SignOff, key: str, ask_passphrase: bool = False) -> SignOff:
    """The sign-off signed with ``key``: a private key file, a public key file or a
    ``key::`` public key literal (whose private half ssh-agent holds).

    ``ask_passphrase`` lets ssh-keygen ask for a key's passphrase on the terminal;
    otherwise it never reads the terminal (the app owns it) and a key with a passphrase
    must be in ssh-agent. Raises :class:`SigningError` with a one-line reason.
    """
    with tempfile.TemporaryDirectory(prefix="reviewtui-sign-") as folder:
        key_file = _key_file(key, Path(folder))
        message = Path(folder) / "signoff"
        message.write_bytes(statement(signoff))
        result = _ssh_keygen(
            ["-Y", "sign", "-f", str(key_file), "-n", NAMESPACE, str(message)],
            interactive=ask_passphrase,
            timeout=_SIGN_TIMEOUT,
        )
        if result.returncode != 0:
            raise SigningError(f"{describe_key(key)}: {_sign_failure(result.stderr, key)}")
        armored = message.with_name("signoff.sig").read_text(encoding="ascii").strip()
    info = read_signature(armored)
    return replace(
        signoff,
        signature=armored,
        key=info.key,
        fingerprint=info.fingerprint,
        namespace=info.namespace,
    )


def _key_file(key: str, folder: Path) -> Path:
    """The file to give ssh-keygen's ``-f`` for a key: a literal is written out."""
    literal = _literal(key)
    if literal is not None:
        path = folder / "key.pub"
        path.write_text(literal + "\n", encoding="utf-8")
        return path
    if not key.strip():
        raise SigningError("no key given")
    path = Path(key.strip()).expanduser()
    if not path.exists():
        raise SigningError(f"{key}: no such key file")
    if not path.is_file():
        raise SigningError(f"{key}: not a key file")
    return path


def _sign_failure(stderr: str, key: str) -> str:
    """Why ssh-keygen could not sign, in words that say what to do."""
    said = [line.strip() for line in stderr.splitlines() if line.strip()]
    said = [line for line in said if not _CHATTER.match(line)] or said
    text = " ".join(said)
    if "passphrase" in text:
        return (
            "the key is protected by a passphrase: add it to ssh-agent "
            f"(ssh-add {key}) and sign again"
        )
    if "No private key found" in text:
        return (
            "ssh-agent holds no private key for it: start ssh-agent and ssh-add the "
            "key, or give the private key's file"
        )
    if "agent refused" in text:
        return "ssh-agent refused to sign with it (was a confirmation declined?)"
    if "Couldn't load" in text and "No such file or directory" in text:
        # The key file exists: ssh-keygen read no private key from it, then looked for a
        # public key beside it (FILE.pub) and says that one is missing.
        return "not an SSH key: it holds neither a private nor a public SSH key"
    if "invalid format" in text or "Couldn't load" in text or "not a" in text:
        return f"not an SSH key ({said[-1] if said else 'ssh-keygen refused it'})"
    return f"ssh-keygen could not sign: {said[-1] if said else 'no reason given'}"


@dataclass(frozen=True)
class _Run:
    """How an ssh-keygen run ended, and what it said."""

    returncode: int
    stdout: str
    stderr: str


def _ssh_keygen(
    args: list[str],
    stdin: bytes | None = None,
    interactive: bool = False,
    timeout: float = _CHECK_TIMEOUT,
) -> _Run:
    """Run ssh-keygen; away from the terminal unless ``interactive``.

    Its own session and no terminal input keep it from prompting over the app's screen:
    a passphrase prompt then reads nothing and fails instead.
    """
    try:
        result = subprocess.run(
            ["ssh-keygen", *args],
            input=stdin,
            stdin=None if stdin is not None or interactive else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            start_new_session=not interactive,
        )
    except FileNotFoundError:
        raise SigningError(
            "ssh-keygen not found: install OpenSSH (openssh-client) to sign and check signatures"
        ) from None
    except subprocess.TimeoutExpired:
        raise SigningError(f"ssh-keygen did not finish within {timeout:.0f} s") from None
    return _Run(
        result.returncode,
        result.stdout.decode("utf-8", "replace"),
        result.stderr.decode("utf-8", "replace"),
    )


# Reading signatures


@dataclass(frozen=True)
class SignatureInfo:
    """What an armored SSH signature says about itself: the public ``key``
    (``ssh-ed25519 AAAA…``), its ``fingerprint`` (``SHA256:…``), its ``kind``
    (``ED25519``) and the ``namespace`` it was made in."""

    key: str
    fingerprint: str
    kind: str
    namespace: str


def read_signature(armored: str) -> SignatureInfo:
    """Parse an armored SSH signature (``-----BEGIN SSH SIGNATURE-----``).

    Raises :class:`SigningError` when the text is not one.
    """
    lines = [line.strip() for line in armored.strip().splitlines()]
    if len(lines) < 3 or "BEGIN SSH SIGNATURE" not in lines[0]:
        raise SigningError("not an SSH signature")
    if "END SSH SIGNATURE" not in lines[-1]:
        raise SigningError("the SSH signature is cut short")
    try:
        blob = base64.b64decode("".join(lines[1:-1]), validate=True)
        if not blob.startswith(b"SSHSIG"):
            raise ValueError("no SSHSIG magic")
        offset = 6 + 4  # magic and version
        key_blob, offset = _ssh_string(blob, offset)
        namespace, offset = _ssh_string(blob, offset)
        kind, _ = _ssh_string(key_blob, 0)
    except ValueError as error:
        raise SigningError(f"the SSH signature is damaged ({error})") from None
    key_type = kind.decode("ascii", "replace")
    digest = base64.b64encode(hashlib.sha256(key_blob).digest()).decode("ascii").rstrip("=")
    return SignatureInfo(
        key=f"{key_type} {base64.b64encode(key_blob).decode('ascii')}",
        fingerprint=f"SHA256:{digest}",
        kind=_KEY_TYPES.get(key_type, key_type),
        namespace=namespace.decode("utf-8", "replace"),
    )


def _ssh_string(blob: bytes, offset: int) -> tuple[bytes, int]:
    """One length-prefixed string of the SSH wire format, and the offset after it."""
    if offset + 4 > len(blob):
        raise ValueError("truncated")
    length = int.from_bytes(blob[offset : offset + 4], "big")
    start = offset + 4
    if start + length > len(blob):
        raise ValueError("truncated")
    return blob[start : start + length], start + length


def key_kind(key: str) -> str:
    """``ED25519`` for an ``ssh-ed25519 AAAA…`` key, and so on."""
    key_type = key.split(" ", 1)[0]
    return _KEY_TYPES.get(key_type, key_type)


# Checking sign-offs


@dataclass(frozen=True)
class SignOffCheck:
    """What checking one sign-off found.

    ``current`` is True when the sign-off covers the content as it stands (and, for a
    report, the checklists); ``superseded`` when it signed earlier content and a later
    sign-off covers the content now. ``good`` is True when nothing fails: the sign-off
    is current or superseded, and its signature, if any, is good. ``signed`` and
    ``vouched`` say whether a signature backs it and whether an allowed-signers file
    lets its key sign for the sign-off's email. ``details`` are the lines that say so.
    """

    signoff: SignOff
    good: bool
    signed: bool
    vouched: bool
    details: tuple[str, ...]
    current: bool = True
    superseded: bool = False


def check_signoffs(
    signoffs: Sequence[SignOff],
    content_digests: Sequence[str],
    checklists_digest: str,
    review_digest: str,
    allowed_signers: Path | None = None,
    checklists_signed: bool = True,
) -> tuple[SignOffCheck, ...]:
    """Check every sign-off of a review, oldest first, round after round.

    The last sign-off must cover the content as it stands. One that signed other
    content is *superseded* when a later sign-off covers the content now: it needs only
    a good signature. One after the last sign-off that covers the content now (every
    one, when none does) fails: the content changed since it. The arguments are those
    of :func:`check_signoff`.
    """
    covering = [
        _covers(signoff, content_digests, checklists_digest, review_digest, checklists_signed)
        for signoff in signoffs
    ]
    latest = max((index for index, covers in enumerate(covering) if covers), default=-1)
    return tuple(
        check_signoff(
            signoff,
            content_digests,
            checklists_digest,
            review_digest,
            allowed_signers,
            checklists_signed,
            later_covers=index < latest,
        )
        for index, signoff in enumerate(signoffs)
    )


def check_signoff(
    signoff: SignOff,
    content_digests: Sequence[str],
    checklists_digest: str,
    review_digest: str,
    allowed_signers: Path | None = None,
    checklists_signed: bool = True,
    later_covers: bool = False,
) -> SignOffCheck:
    """Check one sign-off against the content as it stands.

    ``content_digests`` are the SHA-256 of the canonical content (more than one when it
    can be drawn in more than one way, the first being the usual); any matching is
    good. ``review_digest`` is the app's digest, for sign-offs older than the content
    digest. When ``checklists_signed`` is False (a review file, which holds no checklist
    text) other checklists are pointed out, not failed. ``later_covers`` says that a
    later sign-off covers the content now, so this one, if it signed other content, is
    superseded rather than failed. With ``allowed_signers``, every sign-off must be
    signed by a key the file lets sign for its email.
    """
    current = _covers(
        signoff, content_digests, checklists_digest, review_digest, checklists_signed
    )
    superseded = not current and later_covers
    content_same, signed_what = _content_signed(signoff, content_digests, review_digest)
    details = _content_details(signoff, content_same, signed_what, superseded, content_digests)
    if signoff.checklists_digest not in ("", checklists_digest):
        details.append(_checklists_detail(signoff, checklists_digest, checklists_signed))

    good = current or superseded
    vouched = False
    if signoff.signed:
        signature_good, vouched, said = _check_signature(signoff, allowed_signers)
        good = good and signature_good
        details.insert(0, said)
    elif allowed_signers is not None:
        good = False
        details.insert(0, f"unsigned, and {allowed_signers} can vouch only for a signature")
    else:
        details.insert(0, "unsigned: nothing proves who made this sign-off")
    return SignOffCheck(
        signoff, good, signoff.signed, vouched, tuple(details), current, superseded
    )


def _covers(
    signoff: SignOff,
    content_digests: Sequence[str],
    checklists_digest: str,
    review_digest: str,
    checklists_signed: bool,
) -> bool:
    """Whether the sign-off covers the content (and the checklists) as they stand."""
    content_same, _ = _content_signed(signoff, content_digests, review_digest)
    checklists_same = signoff.checklists_digest in ("", checklists_digest)
    return content_same and (checklists_same or not checklists_signed)


def _content_signed(
    signoff: SignOff, content_digests: Sequence[str], review_digest: str
) -> tuple[bool, str]:
    """Whether the sign-off covers the content now, and what it signed, in words."""
    if not signoff.content_digest:
        return signoff.digest == review_digest, f"digest {signoff.digest}"
    return signoff.content_digest in content_digests, f"SHA-256 {signoff.content_digest}"


def _content_details(
    signoff: SignOff,
    content_same: bool,
    signed_what: str,
    superseded: bool,
    content_digests: Sequence[str],
) -> list[str]:
    """The line saying whether the sign-off covers the content now."""
    if content_same and not signoff.content_digest:
        return [
            "made before reviewtui recorded the canonical content; the review digest still matches"
        ]
    if content_same:
        return [f"the content is the one signed off ({signed_what})"]
    if superseded:
        return [
            f"signed earlier content (superseded): it covers {signed_what}; a later "
            "sign-off covers the content now"
        ]
    now = content_digests[0] if content_digests else "nothing"
    if not signoff.content_digest:
        return [
            f"the content changed since this sign-off: it saw {signed_what}, the review "
            f"now gives {now}"
        ]
    return [
        f"the content changed since this sign-off: it covers {signed_what}, the content "
        f"now is {now}"
    ]


def _checklists_detail(signoff: SignOff, checklists_digest: str, checklists_signed: bool) -> str:
    """The line saying that the checklists are not those of the sign-off."""
    if checklists_signed:
        return (
            "the checklist texts differ from those this sign-off covers: it signed "
            f"SHA-256 {signoff.checklists_digest}, the report holds {checklists_digest}"
        )
    return (
        "the checklists here differ from those at signing (another reviewtui or other "
        "project checklists), so the verdicts shown may differ; the reviewed content is "
        "what was signed"
    )


def _check_signature(signoff: SignOff, allowed_signers: Path | None) -> tuple[bool, bool, str]:
    """(signature good, key vouched for, the line that says so)."""
    try:
        info = read_signature(signoff.signature)
    except SigningError as error:
        return False, False, f"bad signature: {error}"
    if info.namespace != NAMESPACE:
        return (
            False,
            False,
            f"bad signature: made for {info.namespace!r}, not for reviewtui sign-offs",
        )
    if info.fingerprint != signoff.fingerprint or info.key != signoff.key:
        return (
            False,
            False,
            f"bad signature: made with key {info.fingerprint}, but the sign-off records "
            f"{signoff.fingerprint or 'none'}",
        )
    key = f"{info.kind} key {info.fingerprint}"
    with tempfile.TemporaryDirectory(prefix="reviewtui-verify-") as folder:
        signature = Path(folder) / "signoff.sig"
        signature.write_text(signoff.signature.strip() + "\n", encoding="ascii")
        if allowed_signers is None:
            result = _ssh_keygen(
                ["-Y", "check-novalidate", "-n", NAMESPACE, "-s", str(signature)],
                stdin=statement(signoff),
            )
            if result.returncode != 0:
                return False, False, f"bad signature: it does not match the sign-off ({key})"
            return (
                True,
                False,
                f"good signature with {key}; nothing vouches for the signer's identity "
                "(no --allowed-signers)",
            )
        return _check_vouched(signoff, signature, allowed_signers, key)


def _check_vouched(
    signoff: SignOff, signature: Path, allowed_signers: Path, key: str
) -> tuple[bool, bool, str]:
    """Let ``ssh-keygen -Y verify`` decide whether the file lets the key sign for the
    sign-off's email, so every pattern it supports (``*@example.com``, negations,
    namespaces, validity times, certificate authorities) means what it means to git."""
    when = _verify_time(signoff.time)
    identity = signoff.email or next(iter(_principals(signature, allowed_signers, when)), "")
    if not identity:
        return False, False, f"bad signature: {allowed_signers} lists no signer with {key}"
    args = ["-Y", "verify", "-f", str(allowed_signers), "-I", identity, "-n", NAMESPACE]
    result = _ssh_keygen([*args, "-s", str(signature), *when], stdin=statement(signoff))
    if result.returncode == 0:
        return True, True, f"good signature by {identity}, vouched for by {allowed_signers}, {key}"
    why = _refusal(result.stderr, signoff, signature, allowed_signers, key, identity)
    return False, False, f"bad signature: {why}"


def _refusal(
    stderr: str,
    signoff: SignOff,
    signature: Path,
    allowed_signers: Path,
    key: str,
    identity: str,
) -> str:
    """Why ``ssh-keygen -Y verify`` refused a signature, from what it said."""
    said = [line.strip() for line in stderr.splitlines() if line.strip()]
    reasons = [line for line in said if line != "Could not verify signature."]
    quoted = "; ".join(reasons)
    if any("incorrect signature" in line for line in reasons):
        return f"it does not match the sign-off ({key}, {identity})"
    if any("not permitted for use in signature namespace" in line for line in reasons):
        return (
            f"{allowed_signers} does not permit {key} in the namespace {NAMESPACE!r} of "
            f"sign-offs (ssh-keygen: {quoted})"
        )
    if any("has expired" in line or "not yet valid" in line for line in reasons):
        return (
            f"{allowed_signers} lists {key} for {identity}, but not as valid at the time "
            f"of the sign-off, {signoff.time} (ssh-keygen: {quoted})"
        )
    principals = _principals(signature, allowed_signers, [])
    if not principals:
        return f"{allowed_signers} lists no signer with {key}"
    if identity not in principals:
        return f"{allowed_signers} lists {key} for {', '.join(principals)}, not for {identity}"
    detail = f" (ssh-keygen: {quoted})" if quoted else ""
    return f"{allowed_signers} does not let {key} sign for {identity}{detail}"


def _principals(signature: Path, allowed_signers: Path, when: list[str]) -> list[str]:
    """The principals (or patterns) the file lists for the signature's key."""
    found = _ssh_keygen(
        ["-Y", "find-principals", "-f", str(allowed_signers), "-s", str(signature), *when]
    )
    if found.returncode != 0:
        return []
    return [line.strip() for line in found.stdout.splitlines() if line.strip()]


def _verify_time(time: str) -> list[str]:
    """``-O verify-time=…`` for a sign-off's time, so a key retired since still counts
    for what it signed while it was valid."""
    digits = re.sub(r"\D", "", time)
    if len(digits) < 14 or not time.endswith("Z"):
        return []
    return ["-O", f"verify-time={digits[:14]}Z"]


# The seal


def seal_lines(contents: Mapping[str, object]) -> list[str]:
    """The seal of a report: ``contents`` (what it was rendered from) as an HTML comment,
    one line each.

    Items and checklists are named by id, not copied: the checklists' digest in each
    sign-off says whether the checklists that open the seal are the signed ones. Raises
    :class:`SealError` when ``contents`` hold a value the seal cannot carry.
    """
    document = {"format": _SEAL_FORMAT, "version": 1, "contents": _encode(contents)}
    packed = zlib.compress(canonical_json(document).encode("utf-8"), 9)
    text = base64.b64encode(packed).decode("ascii")
    body = [text[i : i + _SEAL_WIDTH] for i in range(0, len(text), _SEAL_WIDTH)]
    return [f"{SEAL_MARK} v1: what this report shows, for reviewtui verify", *body, "-->"]


def split_seal(text: str) -> tuple[str, str, str] | None:
    """A report cut where its seal starts: the text above it, the seal as written, and
    the seal's base64 text; None when the report carries no seal at its end."""
    start = text.rfind("\n" + SEAL_MARK)
    if start < 0:
        return None
    body, seal = text[:start], text[start:]
    lines = seal.splitlines()[1:]
    end = next((i for i, line in enumerate(lines) if line.strip() == "-->"), None)
    if end is None or any(line.strip() for line in lines[end + 1 :]):
        return None
    return body, seal, "".join(line.strip() for line in lines[1:end])


def open_seal(packed: str, catalogue: Catalogue) -> dict[str, object]:
    """What a seal holds, as the objects the report was rendered from, its items and
    checklists taken from ``catalogue``.

    Only reviewtui's own data classes and enums are made. Raises :class:`SealError`.
    """
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.b64decode(packed, validate=True), _SEAL_LIMIT)
        document = json.loads(raw.decode("utf-8"))
    except (ValueError, zlib.error) as error:
        raise SealError(f"the seal is damaged: it cannot be decoded ({error})") from None
    if inflater.unconsumed_tail:
        raise SealError("the seal is larger than reviewtui reads")
    if not isinstance(document, dict) or document.get("format") != _SEAL_FORMAT:
        raise SealError("the seal is not a reviewtui seal")
    if document.get("version") != 1:
        raise SealError(f"the seal's version {document.get('version')!r} is unknown here")
    try:
        contents = _Decoder(catalogue).decode(document.get("contents"))
    except _MissingChecklist as missing:
        raise SealError(
            f"the report shows {missing}, which the checklists here do not hold"
        ) from None
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        raise SealError(f"the seal holds what this reviewtui cannot read ({error})") from None
    if not isinstance(contents, dict):
        raise SealError("the seal holds no report")
    return contents


def _encode(value: object) -> object:
    """A value as plain JSON, with tagged objects for what JSON cannot hold."""
    if isinstance(value, Item):
        return {"$item": value.id}
    if isinstance(value, Checklist):
        return {"$checklist": value.name}
    if isinstance(value, Enum):
        return {"$enum": _class_name(type(value)), "value": value.value}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, PurePath):
        return {"$path": str(value)}
    if isinstance(value, re.Pattern):
        return {"$re": value.pattern, "flags": value.flags}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {
            f.name: _encode(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.init and not f.name.startswith("_")
        }
        return {"$dataclass": _class_name(type(value)), "fields": fields}
    if isinstance(value, list):
        return [_encode(element) for element in value]
    if isinstance(value, tuple):
        return {"$tuple": [_encode(element) for element in value]}
    if isinstance(value, set | frozenset):
        elements = sorted((_encode(element) for element in value), key=canonical_json)
        return {"$frozenset" if isinstance(value, frozenset) else "$set": elements}
    if isinstance(value, Mapping):
        return {"$map": [[_encode(k), _encode(v)] for k, v in value.items()]}
    raise SealError(f"a report cannot seal a {type(value).__name__}")


class _MissingChecklist(LookupError):
    """The seal names an item or checklist the catalogue does not hold."""


class _Decoder:
    """Turns a seal's JSON back into objects, items and checklists from a catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.checklists = {checklist.name: checklist for checklist in catalogue.checklists}

    def decode(self, value: object) -> object:
        """The object ``value`` stands for."""
        if isinstance(value, list):
            return [self.decode(element) for element in value]
        if not isinstance(value, dict):
            return value
        tag = next(iter(value), "")
        if tag == "$item":
            item = self.catalogue.item(str(value[tag]))
            if item is None:
                raise _MissingChecklist(f"item {value[tag]}")
            return item
        if tag == "$checklist":
            checklist = self.checklists.get(str(value[tag]))
            if checklist is None:
                raise _MissingChecklist(f"checklist {value[tag]}")
            return checklist
        return self._decode_tagged(value)

    def _decode_tagged(self, value: dict[str, object]) -> object:
        if "$enum" in value:
            enum = _class(str(value["$enum"]))
            if not issubclass(enum, Enum):
                raise ValueError(f"{value['$enum']} is not an enum")
            return enum(value["value"])
        if "$dataclass" in value:
            cls = _class(str(value["$dataclass"]))
            if not dataclasses.is_dataclass(cls):
                raise ValueError(f"{value['$dataclass']} is not a data class")
            fields = dict(value["fields"])  # type: ignore[call-overload]
            return cls(**{str(k): self.decode(v) for k, v in fields.items()})
        if "$path" in value:
            return Path(str(value["$path"]))
        if "$re" in value:
            return re.compile(str(value["$re"]), int(str(value["flags"])))
        elements = value.get("$tuple", value.get("$frozenset", value.get("$set")))
        if isinstance(elements, list):
            decoded = [self.decode(element) for element in elements]
            if "$tuple" in value:
                return tuple(decoded)
            return frozenset(decoded) if "$frozenset" in value else set(decoded)
        pairs = value.get("$map")
        if isinstance(pairs, list):
            return {self.decode(k): self.decode(v) for k, v in pairs}
        raise ValueError(f"an entry of unknown kind ({', '.join(sorted(value))})")


def _class_name(cls: type) -> str:
    if not cls.__module__.startswith("reviewtui."):
        raise SealError(f"a report cannot seal a {cls.__name__}")
    return f"{cls.__module__}:{cls.__qualname__}"


def _class(name: str) -> type:
    """A class of reviewtui's own, by ``module:qualname``; nothing else is made."""
    module_name, _, qualname = name.partition(":")
    if not module_name.startswith("reviewtui.") or not qualname:
        raise ValueError(f"{name!r} is not a reviewtui class")
    found: object = importlib.import_module(module_name)
    for part in qualname.split("."):
        found = getattr(found, part)
    if not isinstance(found, type):
        raise ValueError(f"{name!r} is not a class")
    return found
