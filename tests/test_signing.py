"""Signed sign-offs: sign, scan --review and verify run as a user would, with real SSH keys.

Keys are throwaway ed25519 keys made by ssh-keygen; git reads a configuration file of the
test's own (GIT_CONFIG_GLOBAL), and an ssh-agent started by a test is stopped by it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from textual.widgets import Input, Static

from reviewtui.report import render, write_report
from reviewtui.report.json_report import report_schema
from reviewtui.report.summary import report_data
from reviewtui.review import signing
from reviewtui.review.model import Decision, SignOff, Verdict, canonical_json
from reviewtui.review.session import ReviewSession
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.signoff import SignOffScreen

pytestmark = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="needs ssh-keygen (OpenSSH)"
)


class Keys:
    """Two people's throwaway keys and an allowed-signers file naming both."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.ada = _keygen(folder / "ada")
        self.grace = _keygen(folder / "grace")
        self.allowed = folder / "allowed_signers"
        self.allowed.write_text(
            f"ada@example.com {_public(self.ada)}\ngrace@example.com {_public(self.grace)}\n",
            encoding="utf-8",
        )


def _keygen(path: Path, passphrase: str = "") -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", path.name, "-f", str(path)],
        check=True,
    )
    return path


def _public(key: Path) -> str:
    """``ssh-ed25519 AAAA…`` of a key, without its comment."""
    return " ".join(key.with_suffix(".pub").read_text().split()[:2])


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return Keys(tmp_path / "keys")


@pytest.fixture(autouse=True)
def git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """git reads only the test's own configuration file, here and in every run, and no
    ssh-agent of the machine's answers."""
    config = tmp_path / "gitconfig"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    return config


@pytest.fixture
def review_file(weak_project: Path) -> Path:
    """The weak project's review file, scanned and saved."""
    session = ReviewSession.open(weak_project)
    session.scan()
    session.save()
    assert session.path is not None
    return session.path


def run(*args: str, agent: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m reviewtui ARGS``, with the ssh-agent at ``agent`` if given."""
    env = os.environ | ({"SSH_AUTH_SOCK": str(agent)} if agent else {})
    return subprocess.run(
        [sys.executable, "-m", "reviewtui", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def sign(
    path: Path,
    *extra: str,
    name: str = "Ada",
    email: str = "ada@example.com",
    role: str = "",
    decision: str = "approved",
    key: Path | None = None,
    agent: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """``reviewtui sign`` with these fields; ``extra`` arguments go last."""
    args = ["--name", name, "--email", email, "--role", role, "--decision", decision]
    if key is not None:
        args += ["--key", str(key)]
    return run("sign", str(path), *args, *extra, agent=agent)


def signed_off(project: Path, key: Path | None, name: str = "Ada") -> ReviewSession:
    """The project's saved review signed off in-process by ``name`` with ``key``."""
    session = ReviewSession.open(project)
    session.sign_off(name, f"{name.lower()}@example.com", "", Decision.APPROVED, key=str(key))
    return session


def markdown_report(session: ReviewSession) -> Path:
    """The Markdown report the app exports into the project's .reviewtui folder."""
    return write_report(session, "markdown")


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the file by ``new``: one small edit."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# Signing and verifying


def test_two_signers_verify_against_the_allowed_signers(review_file: Path, keys: Keys) -> None:
    ada = sign(
        review_file,
        name="Ada Lovelace",
        role="reviewer",
        decision="approved_with_conditions",
        key=keys.ada,
    )
    grace = sign(
        review_file,
        name="Grace Hopper",
        email="grace@example.com",
        role="service owner",
        key=keys.grace,
    )

    assert ada.returncode == 0, ada.stderr
    assert grace.returncode == 0, grace.stderr
    assert f"signed with ED25519 key {_fingerprint(keys.ada)}" in ada.stdout
    saved = json.loads(review_file.read_text())["signoffs"]
    assert [s["name"] for s in saved] == ["Ada Lovelace", "Grace Hopper"]
    assert all(s["namespace"] == "reviewtui" for s in saved)
    assert saved[0]["signature"].startswith("-----BEGIN SSH SIGNATURE-----")
    assert saved[0]["fingerprint"] != saved[1]["fingerprint"]

    vouched = run("verify", str(review_file), "--allowed-signers", str(keys.allowed))
    assert vouched.returncode == 0, vouched.stdout + vouched.stderr
    lines = vouched.stdout.splitlines()
    assert any(
        line.startswith("ok")
        and "Ada Lovelace <ada@example.com> (reviewer) signed off 'approved with conditions' at "
        in line
        for line in lines
    )
    assert f"good signature by ada@example.com, vouched for by {keys.allowed}" in vouched.stdout
    assert "good signature by grace@example.com" in vouched.stdout
    assert lines[-1] == "verified: 2 sign-off(s) hold (2 signed, 0 unsigned)"

    report = review_file.with_name("report.md")
    exported = run("export", str(review_file), "--output", str(report))
    assert exported.returncode == 0, exported.stderr
    checked = run("verify", str(report), "--allowed-signers", str(keys.allowed))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "the visible report is exactly what its seal holds" in checked.stdout
    assert f"signed, ED25519 `{_fingerprint(keys.grace)}` |" in report.read_text()

    # Without the file, the signatures still check against the recorded keys.
    alone = run("verify", str(report))
    assert alone.returncode == 0, alone.stdout
    assert alone.stdout.count("nothing vouches for the signer's identity") == 2


def test_a_one_character_edit_of_the_review_file_fails(
    weak_project: Path, review_file: Path, keys: Keys
) -> None:
    signed_off(weak_project, keys.ada)
    pristine = review_file.read_text()

    # A finding's reason: the content is no longer the one signed.
    edit(review_file, '"reason":"', '"reason":"X')
    changed = run("verify", str(review_file))
    assert changed.returncode == 1
    assert "the content changed since this sign-off: it covers SHA-256" in changed.stdout
    assert "NOT verified: 1 of 1 sign-off(s) failed" in changed.stdout

    # The sign-off's own decision: the signature no longer matches it.
    review_file.write_text(pristine)
    edit(review_file, '"decision": "approved"', '"decision": "changes_required"')
    forged = run("verify", str(review_file))
    assert forged.returncode == 1
    assert "bad signature: it does not match the sign-off" in forged.stdout


def test_a_one_character_edit_of_the_markdown_report_fails(
    weak_project: Path, review_file: Path, keys: Keys
) -> None:
    report = markdown_report(signed_off(weak_project, keys.ada))
    pristine = report.read_text()
    assert run("verify", str(report)).returncode == 0

    # The visible text: a digit of a line number in the evidence.
    edit(report, "Dockerfile:1`", "Dockerfile:2`")
    visible = run("verify", str(report))
    assert visible.returncode == 1
    assert "FAILED    the visible report differs from its seal at line" in visible.stdout
    assert "Dockerfile:2" in visible.stdout and "Dockerfile:1" in visible.stdout

    # The visible sign-off: its decision.
    report.write_text(pristine)
    edit(report, "| approved |", "| approvad |")
    assert run("verify", str(report)).returncode == 1

    # The seal itself: one character of its base64.
    lines = pristine.splitlines(keepends=True)
    mark = next(i for i, line in enumerate(lines) if line.startswith(signing.SEAL_MARK))
    line = lines[mark + 3]
    lines[mark + 3] = line[:20] + ("A" if line[20] != "A" else "B") + line[21:]
    report.write_text("".join(lines))
    sealed = run("verify", str(report))
    assert sealed.returncode == 1
    assert "FAILED" in sealed.stdout


def test_a_key_the_allowed_signers_list_for_someone_else_fails(
    weak_project: Path, review_file: Path, keys: Keys
) -> None:
    # Grace signs with her own key but says she is Ada.
    signed_off(weak_project, keys.grace)

    result = run("verify", str(review_file), "--allowed-signers", str(keys.allowed))

    assert result.returncode == 1
    assert f"lists ED25519 key {_fingerprint(keys.grace)} for grace@example.com, " in (
        result.stdout
    )
    assert "not for ada@example.com" in result.stdout


def test_a_signature_made_for_git_is_no_sign_off(
    weak_project: Path, review_file: Path, keys: Keys, tmp_path: Path
) -> None:
    session = signed_off(weak_project, keys.ada)
    message = tmp_path / "statement"
    message.write_bytes(signing.statement(session.review.signoffs[0]))
    subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-f", str(keys.ada), "-n", "git", str(message)],
        check=True,
        capture_output=True,
    )
    document = json.loads(review_file.read_text())
    document["signoffs"][0]["signature"] = message.with_name("statement.sig").read_text()
    review_file.write_text(json.dumps(document))

    result = run("verify", str(review_file))

    assert result.returncode == 1
    assert "bad signature: made for 'git', not for reviewtui sign-offs" in result.stdout


# Rounds of sign-offs


def test_a_second_round_of_sign_offs_supersedes_the_first(weak_project: Path, keys: Keys) -> None:
    path = weak_project / ".reviewtui" / "review.json"
    report = path.with_name("report.md")
    scan = ("scan", str(weak_project), "--review", str(path), "--fail-on", "none")
    assert run(*scan).returncode == 0
    for decision in ("changes_required", "approved"):
        ada = sign(path, name="Ada", decision=decision, key=keys.ada)
        grace = sign(
            path, name="Grace", email="grace@example.com", decision=decision, key=keys.grace
        )
        assert ada.returncode == 0 and grace.returncode == 0, ada.stderr + grace.stderr
        if decision == "changes_required":
            # The fix, and the rescan that finds it.
            edit(weak_project / "Dockerfile", "FROM python:latest", "FROM python:3.12")
            assert run(*scan).returncode == 0
    assert run("export", str(path), "--output", str(report)).returncode == 0

    for checked in (path, report):
        result = run("verify", str(checked), "--allowed-signers", str(keys.allowed))
        assert result.returncode == 0, result.stdout
        lines = result.stdout.splitlines()
        marks = [line.split()[0] for line in lines if " signed off '" in line]
        assert marks == ["earlier", "earlier", "ok", "ok"]
        assert result.stdout.count("signed earlier content (superseded): it covers") == 2
        assert result.stdout.count("good signature by") == 4
        assert lines[-1] == (
            "verified: 4 sign-off(s) hold (4 signed, 0 unsigned); 2 signed earlier content "
            "(superseded)"
        )

    # A bad signature of an earlier round still fails.
    pristine = path.read_text()
    edit(path, '"decision": "changes_required"', '"decision": "approved"')
    forged = run("verify", str(path))
    assert forged.returncode == 1
    assert "bad signature: it does not match the sign-off" in forged.stdout
    path.write_text(pristine)

    # A change that nobody signed off: no sign-off covers the content now.
    edit(weak_project / "Dockerfile", "FROM python:3.12", "FROM python:3.12\nUSER 10001")
    assert run(*scan).returncode == 0
    stale = run("verify", str(path))
    assert stale.returncode == 1
    assert stale.stdout.count("the content changed since this sign-off") == 4
    assert stale.stdout.splitlines()[-1] == (
        "NOT verified: 4 of 4 sign-off(s) failed; no sign-off covers the content as it stands"
    )


def test_a_sign_off_after_the_last_current_one_fails(weak_project: Path, keys: Keys) -> None:
    # Ada signs, the content changes, Grace signs, and the change is undone: Grace's
    # sign-off is the last, and the content changed since it.
    session = ReviewSession.open(weak_project, autosave=False)
    session.scan()
    session.sign_off("Ada", "ada@example.com", "", Decision.APPROVED, key=str(keys.ada))
    session.set_note("build.healthcheck", "Added for the release.")
    session.sign_off("Grace", "grace@example.com", "", Decision.APPROVED, key=str(keys.grace))
    session.set_note("build.healthcheck", "")
    content_digest, checklists_digest = signing.review_digests(
        session.review, session.catalogue, "weak"
    )

    checks = signing.check_signoffs(
        session.review.signoffs, [content_digest], checklists_digest, session.digest()
    )

    assert [(c.good, c.current, c.superseded) for c in checks] == [
        (True, True, False),
        (False, False, False),
    ]
    assert "the content changed since this sign-off" in checks[1].details[1]


# Why the allowed signers refuse


def test_allowed_signers_patterns_are_for_ssh_keygen_to_judge(
    weak_project: Path, review_file: Path, keys: Keys, tmp_path: Path
) -> None:
    signed_off(weak_project, keys.ada)
    signers = tmp_path / "team_signers"
    fingerprint = _fingerprint(keys.ada)

    signers.write_text(f"*@example.com {_public(keys.ada)}\n")
    wildcard = run("verify", str(review_file), "--allowed-signers", str(signers))
    signers.write_text(f"*@example.com,!ada@example.com {_public(keys.ada)}\n")
    negated = run("verify", str(review_file), "--allowed-signers", str(signers))

    assert wildcard.returncode == 0, wildcard.stdout
    assert f"good signature by ada@example.com, vouched for by {signers}" in wildcard.stdout
    assert negated.returncode == 1
    assert (
        f"lists ED25519 key {fingerprint} for *@example.com, !ada@example.com, "
        "not for ada@example.com" in negated.stdout
    )


def test_verify_and_sign_name_the_real_cause(
    weak_project: Path, review_file: Path, keys: Keys, tmp_path: Path
) -> None:
    signed_off(weak_project, keys.ada)
    signers = tmp_path / "signers"
    key = f"ED25519 key {_fingerprint(keys.ada)}"

    def verify_with(options: str) -> str:
        signers.write_text(f"ada@example.com {options} {_public(keys.ada)}\n")
        result = run("verify", str(review_file), "--allowed-signers", str(signers))
        assert result.returncode == 1
        return result.stdout

    git_only = verify_with('namespaces="git"')
    assert f"{signers} does not permit {key} in the namespace 'reviewtui' of sign-offs" in (
        git_only
    )
    assert 'key is not permitted for use in signature namespace "reviewtui"' in git_only
    assert "does not match the sign-off" not in git_only
    retired = verify_with('valid-before="20200101"')
    listed = f"{signers} lists {key} for ada@example.com, but not as valid at the time of"
    assert listed in retired and "key has expired" in retired
    assert "lists no signer" not in retired
    future = verify_with('valid-after="20990101"')
    assert listed in future and "key is not yet valid" in future

    garbage = tmp_path / "garbage.key"
    garbage.write_text("garbage\n")
    refused = sign(review_file, key=garbage)
    assert refused.returncode == 2
    assert refused.stderr == (
        f"reviewtui: error: --key {garbage}: not an SSH key: it holds neither a private "
        "nor a public SSH key\n"
    )


# Where the key comes from


def test_an_ssh_agent_key_signs_through_its_public_key(
    review_file: Path, keys: Keys, tmp_path: Path
) -> None:
    # The public key alone in a folder: only the agent holds the private key.
    public = tmp_path / "public" / "ada.pub"
    public.parent.mkdir()
    shutil.copy(keys.ada.with_suffix(".pub"), public)

    with ssh_agent(tmp_path / "agent.sock", keys.ada) as agent:
        result = sign(review_file, key=public, agent=agent)
    alone = sign(review_file, key=public)

    assert result.returncode == 0, result.stderr
    assert f"signed with ED25519 key {_fingerprint(keys.ada)}" in result.stdout
    assert alone.returncode == 2
    assert "ssh-agent holds no private key for it" in alone.stderr
    verified = run("verify", str(review_file), "--allowed-signers", str(keys.allowed))
    assert verified.returncode == 0, verified.stdout


def test_gits_signing_key_is_the_default(
    review_file: Path, keys: Keys, git_config: Path, tmp_path: Path
) -> None:
    git_config.write_text(f"[gpg]\n\tformat = ssh\n[user]\n\tsigningkey = {keys.grace}\n")

    signed = sign(review_file, name="Grace", email="grace@example.com")
    unsigned = sign(review_file, "--unsigned")

    assert signed.returncode == 0, signed.stderr
    assert f"key {_fingerprint(keys.grace)} ({keys.grace} from git's user.signingkey)" in (
        signed.stdout
    )
    assert unsigned.returncode == 0
    assert "unsigned: nothing proves who signed off" in unsigned.stdout

    # A key:: literal names the public key; the private half comes from ssh-agent.
    literal = f"key::{_public(keys.ada)}"
    git_config.write_text(f"[gpg]\n\tformat = ssh\n[user]\n\tsigningkey = {literal}\n")
    with ssh_agent(tmp_path / "agent.sock", keys.ada) as agent:
        from_agent = sign(review_file, agent=agent)
    assert from_agent.returncode == 0, from_agent.stderr
    assert f"key {_fingerprint(keys.ada)} (key::ssh-ed25519 " in from_agent.stdout


def test_without_a_key_the_sign_off_is_recorded_unsigned(
    weak_project: Path, review_file: Path, keys: Keys
) -> None:
    result = sign(review_file, role="reviewer", decision="changes_required")

    assert result.returncode == 0, result.stderr
    saved = json.loads(review_file.read_text())["signoffs"][0]
    assert saved["name"] == "Ada" and saved["decision"] == "changes_required"
    assert saved["time"] and len(saved["digest"]) == 64 and len(saved["content_digest"]) == 64
    assert "signature" not in saved and "fingerprint" not in saved

    session = ReviewSession.open(weak_project)
    report = markdown_report(session)
    assert "| Ada | ada@example.com | reviewer | changes required |" in report.read_text()
    assert "| unsigned |" in report.read_text()
    assert "nothing proves it" in report.read_text()
    entry = json.loads(render(session, "json"))["signoffs"][0]
    assert entry["signed"] is False and entry["fingerprint"] is None

    plain = run("verify", str(report))
    assert plain.returncode == 0, plain.stdout
    assert "unsigned: nothing proves who made this sign-off" in plain.stdout
    strict = run("verify", str(report), "--allowed-signers", str(keys.allowed))
    assert strict.returncode == 1
    assert "unsigned, and" in strict.stdout


def test_a_key_that_cannot_sign_is_a_usage_error(review_file: Path, tmp_path: Path) -> None:
    before = review_file.read_text()
    locked = _keygen(tmp_path / "locked", passphrase="correct horse")

    missing = sign(review_file, key=tmp_path / "nope")
    protected = sign(review_file, key=locked)

    assert missing.returncode == 2
    assert missing.stderr == f"reviewtui: error: --key {tmp_path / 'nope'}: no such key file\n"
    assert protected.returncode == 2
    assert "protected by a passphrase: add it to ssh-agent" in protected.stderr
    assert len(protected.stderr.strip().splitlines()) == 1
    assert review_file.read_text() == before


# The review file and the commands


def test_scan_review_creates_then_refreshes_the_file_keeping_answers(
    weak_project: Path, keys: Keys
) -> None:
    path = weak_project / ".reviewtui" / "review.json"
    scan = ("scan", str(weak_project), "--review", str(path), "--fail-on", "none")
    created = run(*scan)
    assert created.returncode == 0, created.stderr
    assert path.is_file()
    session = ReviewSession.open(weak_project)
    session.set_note("build.healthcheck", "Add one before release.")
    signed_off(weak_project, keys.ada)

    # A scan that finds the same again keeps the note and the signature good.
    again = run(*scan)
    assert again.returncode == 0, again.stderr
    assert "Add one before release." in path.read_text()
    assert run("verify", str(path)).returncode == 0

    # A scan that finds something else refreshes the findings: the sign-off is stale.
    edit(weak_project / "Dockerfile", "FROM python:latest", "FROM python:3.12")
    assert run(*scan).returncode == 0
    stale = run("verify", str(path))
    assert stale.returncode == 1
    assert "the content changed since this sign-off" in stale.stdout
    assert "Add one before release." in path.read_text()

    # A file it cannot keep the answers of is left alone.
    path.write_text("{broken")
    broken = run(*scan)
    assert broken.returncode == 2 and "damaged review file" in broken.stderr
    assert path.read_text() == "{broken"


def test_verify_names_what_it_cannot_check(
    review_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reviewtui.cli import main

    notes = tmp_path / "notes.txt"
    notes.write_text("just some notes\n")
    json_report = tmp_path / "report.json"
    json_report.write_text(render(ReviewSession.open(review_file.parents[1]), "json"))

    def verify(path: Path) -> tuple[int, str]:
        code = main(["verify", str(path)])
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    missing = tmp_path / "nothing.md"
    assert verify(missing) == (2, f"reviewtui: error: {missing}: no such file\n")
    code, said = verify(notes)
    assert code == 2 and "neither a review file nor a reviewtui Markdown report" in said
    code, said = verify(json_report)
    assert code == 2 and "a JSON report carries no seal" in said
    code, said = verify(review_file)
    assert code == 1 and "NOT verified: there is no sign-off to verify" in said
    project = str(review_file.parents[1])
    clash = main(["scan", project, "--review", str(review_file), "--no-saved-answers"])
    assert clash == 2 and "leave out --no-saved-answers" in capsys.readouterr().err


TEAM_CHECKLIST = """\
checklist: team
title: Team rules
items:
  - id: team.no-curl-pipe
    title: No download piped into a shell
    question: Does no RUN pipe a download into a shell?
    why: The shell runs whatever the server sends.
    fix: Download, check the checksum, then run.
    severity: high
    match:
      dockerfile:
        instruction: RUN
        pattern: 'curl[^|]*[|]'
"""


def test_a_report_verifies_with_the_projects_own_checklists(
    weak_project: Path, keys: Keys, tmp_path: Path
) -> None:
    team = weak_project / ".reviewtui" / "checklists"
    team.mkdir(parents=True)
    (team / "team.yaml").write_text(TEAM_CHECKLIST)
    session = ReviewSession.open(weak_project)
    session.scan()
    session.sign_off("Ada", "ada@example.com", "", Decision.APPROVED, key=str(keys.ada))
    report = write_report(session, "markdown", tmp_path / "elsewhere" / "report.md")

    away = run("verify", str(report))
    along = run("verify", str(report), "--checklists", str(team))

    assert away.returncode == 1
    missing = r"the report shows (checklist team|item team\.no-curl-pipe), which the checklists"
    assert re.search(missing + " here do not hold", away.stdout), away.stdout
    assert "add --checklists DIR" in away.stdout
    assert along.returncode == 0, along.stdout


def test_an_old_sign_off_loads_and_saves_as_it_was() -> None:
    old = {
        "name": "Ada",
        "email": "ada@example.com",
        "role": "r",
        "decision": "approved",
        "time": "2026-01-01T00:00:00Z",
        "digest": "d" * 64,
    }

    signoff = SignOff.from_dict(old)

    assert not signoff.signed and signoff.content_digest == "" and signoff.namespace == ""
    assert signoff.to_dict() == old
    check = signing.check_signoff(signoff, ["c" * 64], "x", "d" * 64)
    assert check.good and not check.signed
    assert any("made before reviewtui recorded the canonical content" in d for d in check.details)


def test_the_canonical_content_is_the_same_from_the_session_and_the_report(
    weak_project: Path,
) -> None:
    session = ReviewSession.open(weak_project, autosave=False)
    session.scan()
    session.set_note("build.healthcheck", 'Ünïcode and "quotes"')
    signoff = session.sign_off("Ada", "", "", Decision.APPROVED)
    data = report_data(session)

    content = signing.content_text(data.project, data.states, data.problems, data.engines)

    assert signing.digest_of(content) == signoff.content_digest
    assert content == signing.content_text(
        session.review.project,
        session.states(),
        signing.problem_lines(session.review),
        session.review.engines,
    )
    document = json.loads(content)
    assert document["format"] == "reviewtui-content" and document["project"] == "weak"
    # Without meetings the content is what it was before meetings were signed.
    assert sorted(document) == ["engines", "format", "items", "problems", "project", "version"]
    answer = document["items"]["build.healthcheck"]["answer"]
    assert answer["note"] == 'Ünïcode and "quotes"' and "updated" not in answer
    assert content.isprintable() and ", " not in content[:200]


# Meetings


def test_meetings_are_signed_and_in_the_json_report(
    weak_project: Path, review_file: Path, keys: Keys
) -> None:
    session = ReviewSession.open(weak_project)
    session.start_meeting(["Ada Lovelace", "Bob Builder"])
    session.decide_in_meeting("build.healthcheck", Verdict.PASS, "", "Bob Builder")
    session.end_meeting()
    signoff = session.sign_off("Ada", "ada@example.com", "", Decision.APPROVED, key=str(keys.ada))
    report = markdown_report(session)

    content = json.loads(
        signing.content_text(
            "weak",
            session.states(),
            signing.problem_lines(session.review),
            session.review.engines,
            session.review.meetings,
        )
    )
    assert content["meetings"][0]["attendees"] == ["Ada Lovelace", "Bob Builder"]
    assert content["meetings"][0]["decisions"] == ["build.healthcheck"]
    assert signing.digest_of(canonical_json(content)) == signoff.content_digest
    assert run("verify", str(review_file)).returncode == 0
    assert run("verify", str(report)).returncode == 0

    document = json.loads(render(session, "json"))
    jsonschema.Draft202012Validator(report_schema()).validate(document)
    meeting = document["meetings"][0]
    assert meeting["attendees"] == ["Ada Lovelace", "Bob Builder"]
    assert meeting["decisions"] == ["build.healthcheck"] and meeting["ended"]
    items = {item["id"]: item for item in document["items"]}
    assert items["build.healthcheck"]["decided_by"] == "Bob Builder"
    assert items["build.non-root-user"]["decided_by"] == ""

    # An attendee's name changed in the review file: the content is not the one signed.
    saved = json.loads(review_file.read_text())
    saved["meetings"][0]["attendees"][1] = "Rob Builder"
    review_file.write_text(json.dumps(saved))
    renamed = run("verify", str(review_file))
    assert renamed.returncode == 1
    assert "the content changed since this sign-off" in renamed.stdout


# The app


async def test_the_app_signs_with_gits_key_and_says_so(
    weak_project: Path, keys: Keys, git_config: Path
) -> None:
    git_config.write_text(f"[gpg]\n\tformat = ssh\n[user]\n\tsigningkey = {keys.ada}\n")
    session = ReviewSession.open(weak_project)
    session.scan()
    session.sign_off("Grace", "grace@example.com", "owner", Decision.APPROVED)
    app = ReviewApp(weak_project, session, scan=False)

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        assert isinstance(app.screen, SignOffScreen)
        key = app.screen.query_one("#key", Input)
        assert key.value == str(keys.ada)
        earlier = str(app.screen.query_one("#signoff-earlier", Static).content)
        assert earlier == "Signed off before: Grace (unsigned)."

        # A key that is not there is refused beside its field, and nothing is signed.
        key.value = f"{keys.ada}-gone"
        await pilot.click("#decision-approved")
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = str(app.screen.query_one("#key-error", Static).content)
        assert error == f"{keys.ada}-gone: no such key file."
        assert len(session.review.signoffs) == 1

        key.value = str(keys.ada)
        await pilot.press("ctrl+s")
        await pilot.pause()
        result = str(app.screen.query_one("#signoff-result", Static).content)

    assert len(session.review.signoffs) == 2
    signed = session.review.signoffs[-1]
    assert signed.signed and signed.name == "Grace"
    assert f"Key     ED25519 {_fingerprint(keys.ada)}\n" in result
    assert session.path is not None
    assert run("verify", str(session.path)).returncode == 0


async def test_the_apps_export_holds_a_sign_off_made_meanwhile(
    weak_project: Path, review_file: Path, keys: Keys
) -> None:
    session = ReviewSession.open(weak_project)
    app = ReviewApp(weak_project, session, scan=False)

    async with app.run_test(size=(80, 24)) as pilot:
        signed = sign(review_file, name="Grace", email="grace@example.com", key=keys.grace)
        assert signed.returncode == 0, signed.stderr
        await pilot.press("x")
        await pilot.pause()

    report = weak_project / ".reviewtui" / "report.md"
    assert "| Grace | grace@example.com |" in report.read_text()
    assert [s.name for s in session.review.signoffs] == ["Grace"]
    checked = run("verify", str(report), "--allowed-signers", str(keys.allowed))
    assert checked.returncode == 0, checked.stdout


def _fingerprint(key: Path) -> str:
    listed = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(key.with_suffix(".pub"))],
        check=True,
        capture_output=True,
        text=True,
    )
    return listed.stdout.split()[1]


class ssh_agent:  # noqa: N801 - used as a context manager, like open()
    """An ssh-agent of the test's own on ``socket`` holding ``key``; stopped on exit."""

    def __init__(self, socket: Path, key: Path) -> None:
        self.socket, self.key = socket, key
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Path:
        self.process = subprocess.Popen(
            ["ssh-agent", "-D", "-a", str(self.socket)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.socket.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        env = os.environ | {"SSH_AUTH_SOCK": str(self.socket)}
        subprocess.run(["ssh-add", "-q", str(self.key)], env=env, check=True)
        return self.socket

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)
        self.socket.unlink(missing_ok=True)
