"""CI pipeline files: their kind, their lines, and the steps detectors search.

A step is what a pipeline runs: an action, task, orb command or template reference
(``uses``) with its inputs, and the shell commands of a script, each with the file and
line it is written on. GitHub Actions, GitLab CI, Azure Pipelines and CircleCI files are
read through their YAML structure, and so are Bitbucket Pipelines; Jenkinsfiles, other CI
formats and YAML that does not parse are read line by line, which is cruder but still finds
the commands. Beside the steps, the reader records the container images jobs run in and,
for GitHub workflows, the events that trigger them and the token permissions they set.
"""

from __future__ import annotations

import logging
import posixpath
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLWarning

from reviewtui.model import Problem
from reviewtui.project.compose_yaml import (
    MAX_NODES,
    describe_yaml_error,
    expands_past,
    too_many_brackets,
)
from reviewtui.project.textfile import read_text

log = logging.getLogger(__name__)

# Files a pipeline pulls in (GitLab local includes, GitHub local actions), per pipeline.
MAX_INCLUDED_FILES = 50

_GITLAB_RESERVED = frozenset(
    {
        "stages",
        "variables",
        "default",
        "include",
        "workflow",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
        "types",
        "spec",
    }
)
_AZURE_SCRIPT_KEYS = ("script", "bash", "pwsh", "powershell")
# "\s*(-\s*)?" rather than "\s*-?\s*": the two runs of blanks would try every split of a
# long indentation between them.
_USES_LINE = re.compile(r"""^\s*(?:-\s*)?uses:\s*["']?(?P<ref>[^"'\s#]+)""")
_CONTINUED = re.compile(r"(\\|`)\s*$")
_REPEATED_FOLDERS = re.compile(r"\*\*(?:/\*\*)+")


class CIKind(StrEnum):
    """Which CI system a pipeline file belongs to, judged from its path."""

    GITHUB = "github"
    GITLAB = "gitlab"
    JENKINS = "jenkins"
    AZURE = "azure"
    CIRCLECI = "circleci"
    BITBUCKET = "bitbucket"
    OTHER = "other"


@dataclass(frozen=True)
class CICommand:
    """One shell command of a step, continuation lines joined, and the line it starts on."""

    line: int
    text: str


@dataclass(frozen=True)
class CIValue:
    """A value given to a step (an input or an environment variable) and its line."""

    value: str
    line: int


@dataclass
class CIStep:
    """One thing a pipeline runs.

    ``uses`` names an action (GitHub), task (Azure), orb command (CircleCI) or include
    (GitLab, as ``template:NAME``, ``component:NAME``, ...) and is empty for plain
    scripts. ``inputs`` are the step's ``with:``/``inputs:``/orb parameters; ``env``
    merges the pipeline's, job's and step's variables. ``may_fail`` is true when the CI
    ignores the step's failure (``continue-on-error``, ``allow_failure``,
    ``continueOnError``). ``path`` is the file the step is written in, which for GitLab
    includes and GitHub local actions is not the pipeline file itself.
    """

    path: str
    line: int
    job: str = ""
    uses: str = ""
    commands: tuple[CICommand, ...] = ()
    inputs: dict[str, CIValue] = field(default_factory=dict)
    env: dict[str, CIValue] = field(default_factory=dict)
    may_fail: bool = False
    shell: str = ""

    @property
    def action(self) -> str:
        """``uses`` in lower case without its ``@version``: ``docker/build-push-action``."""
        return self.uses.split("@", 1)[0].lower()

    def input(self, name: str) -> CIValue | None:
        """The input of this name, or None when the step does not set it."""
        return self.inputs.get(name)


@dataclass(frozen=True)
class CIImage:
    """A container image a job runs in or beside, as written, and where.

    ``role`` says what the image is for: ``job`` (the job's own container or executor)
    or ``service`` (a database or helper started beside the job).
    """

    path: str
    line: int
    reference: str
    job: str = ""
    role: str = "job"


@dataclass(frozen=True)
class CIPermissions:
    """A GitHub ``permissions:`` block: the job it belongs to ("" for the whole workflow),
    what it grants as written (``write-all``, ``read-all``, ``packages: write, ...`` or
    ``none`` for ``{}``), and its line."""

    path: str
    line: int
    job: str
    grants: str

    @property
    def write_all(self) -> bool:
        """True for ``permissions: write-all``."""
        return self.grants.strip().lower() == "write-all"


@dataclass
class CIFile:
    """A CI pipeline file as read: kind, lines, parsed YAML, steps and problems.

    ``sources`` holds the lines of the file and of every file it included, by path, so
    evidence can quote any step. ``calls`` lists other pipeline files of the project this
    one runs (GitHub reusable workflows), whose steps belong to this pipeline too.
    ``data`` is the ruamel.yaml round-trip document, or None when the file is not YAML or
    does not parse. ``images`` lists the job and service images of the file and the files
    it includes. For GitHub workflows, ``events`` names the triggers (``on:``) written at
    ``events_line`` and ``permissions`` holds the workflow's and jobs' permission blocks.
    """

    path: str
    kind: CIKind = CIKind.OTHER
    lines: list[str] = field(default_factory=list)
    data: Any = None
    steps: list[CIStep] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    sources: dict[str, list[str]] = field(default_factory=dict)
    images: list[CIImage] = field(default_factory=list)
    events: tuple[str, ...] = ()
    events_line: int = 1
    permissions: list[CIPermissions] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def line_text(self, path: str, line: int) -> str:
        """The text of a 1-based line of this file or one it included, stripped."""
        lines = self.sources.get(path, self.lines if path == self.path else [])
        if 1 <= line <= len(lines):
            return lines[line - 1].strip()
        return ""


def ci_kind(rel: str) -> CIKind:
    """The CI system a pipeline file at this relative path belongs to."""
    lower = rel.lower()
    name = lower.rsplit("/", 1)[-1]
    if lower.startswith(".github/"):
        return CIKind.GITHUB
    if name in (".gitlab-ci.yml", ".gitlab-ci.yaml") or lower.startswith(".gitlab/"):
        return CIKind.GITLAB
    if name == "jenkinsfile" or name.startswith("jenkinsfile."):
        return CIKind.JENKINS
    if name.startswith("azure-pipelines"):
        return CIKind.AZURE
    if lower.startswith(".circleci/"):
        return CIKind.CIRCLECI
    if name in ("bitbucket-pipelines.yml", "bitbucket-pipelines.yaml"):
        return CIKind.BITBUCKET
    return CIKind.OTHER


def read_ci_file(root: Path, rel: str) -> CIFile:
    """Read the pipeline file at ``root/rel``; never raises, problems are recorded."""
    ci_file = CIFile(rel, ci_kind(rel))
    text, problem = read_text(root, rel)
    if problem is not None:
        ci_file.problems.append(problem)
    if text is None:
        return ci_file

    ci_file.lines = text.splitlines()
    ci_file.sources[rel] = ci_file.lines
    reader = _PipelineReader(root, ci_file)
    reader.read(rel, text, ci_file.kind)
    reader.share_gitlab_variables()
    return ci_file


class _PipelineReader:
    """Collects the steps of one pipeline, following the local files it includes."""

    def __init__(self, root: Path, ci_file: CIFile) -> None:
        self.root = root
        self.ci_file = ci_file
        self.included: set[str] = {ci_file.path}
        self.gitlab_variables: dict[str, CIValue] = {}

    def read(self, rel: str, text: str, kind: CIKind) -> None:
        """Add the steps of one file (the pipeline or an included file)."""
        lines = self.ci_file.sources.setdefault(rel, text.splitlines())
        if kind in (CIKind.JENKINS, CIKind.OTHER):
            self.ci_file.steps.extend(_line_steps(rel, lines))
            return

        documents = _load_yaml(rel, text, self.ci_file.problems)
        if documents is None:
            self.ci_file.steps.extend(_line_steps(rel, lines))
            return
        if rel == self.ci_file.path and documents:
            self.ci_file.data = documents[0]
        for document in documents:
            if isinstance(document, dict):
                self._read_document(rel, lines, document, kind)

    def _read_document(
        self, rel: str, lines: list[str], document: dict[str, Any], kind: CIKind
    ) -> None:
        source = _Source(rel, lines)
        if kind is CIKind.GITHUB:
            steps = _github_steps(source, document)
            if rel == self.ci_file.path:
                self._read_github_settings(source, document)
        elif kind is CIKind.GITLAB:
            steps = _gitlab_steps(source, document)
            self.gitlab_variables.update(_values(document.get("variables"), 1))
            self._follow_gitlab_includes(document.get("include"))
        elif kind is CIKind.AZURE:
            steps = _azure_steps(source, document)
        elif kind is CIKind.BITBUCKET:
            steps = _bitbucket_steps(source, document)
        else:
            steps = _circleci_steps(source, document)
        self.ci_file.images.extend(_IMAGE_READERS[kind](source, document))
        for step in steps:
            self.ci_file.steps.append(step)
            if kind is CIKind.GITHUB:
                self._follow_github_uses(step)

    def _read_github_settings(self, source: _Source, document: dict[str, Any]) -> None:
        """The workflow's triggers and every permissions block, workflow's and jobs'."""
        if "on" in document:
            self.ci_file.events = _github_events(document["on"])
            self.ci_file.events_line = _key_line(document, "on", 1)
        if "permissions" in document:
            self.ci_file.permissions.append(_permissions(source, document, ""))
        jobs = document.get("jobs")
        if isinstance(jobs, dict):
            for job_id, job in jobs.items():
                if isinstance(job, dict) and "permissions" in job:
                    self.ci_file.permissions.append(_permissions(source, job, str(job_id)))

    def share_gitlab_variables(self) -> None:
        """GitLab merges global variables over all included files: give every job all."""
        if not self.gitlab_variables:
            return
        for step in self.ci_file.steps:
            step.env = {**self.gitlab_variables, **step.env}

    def _follow_github_uses(self, step: CIStep) -> None:
        """Reusable workflows become calls; local composite actions are read in place."""
        if not step.uses.startswith("./"):
            return
        target = _inside_tree(self.root, step.uses.split("@", 1)[0])
        if target is None:
            return
        if target.startswith(".github/workflows/"):
            if target not in self.ci_file.calls:
                self.ci_file.calls.append(target)
            return
        for name in ("action.yml", "action.yaml"):
            if self._include(f"{target}/{name}", CIKind.GITHUB):
                return

    def _follow_gitlab_includes(self, include: Any) -> None:
        for pattern in _gitlab_local_includes(include):
            for rel in _expand_glob(self.root, pattern):
                self._include(rel, CIKind.GITLAB)

    def _include(self, rel: str, kind: CIKind) -> bool:
        """Read an included file once; True when it exists and was read."""
        if rel in self.included:
            return True
        if len(self.included) > MAX_INCLUDED_FILES:
            self.ci_file.problems.append(
                Problem(
                    self.ci_file.path,
                    None,
                    f"more than {MAX_INCLUDED_FILES} included files; {rel} not read",
                )
            )
            return False
        if not (self.root / rel).is_file():
            return False
        self.included.add(rel)
        text, problem = read_text(self.root, rel)
        if problem is not None:
            self.ci_file.problems.append(problem)
        if text is None:
            return False
        self.read(rel, text, kind)
        return True


@dataclass(frozen=True)
class _Source:
    """The file a YAML node comes from, for turning node positions into lines."""

    path: str
    lines: list[str]


# --- YAML loading and positions -----------------------------------------------------------


def _load_yaml(rel: str, text: str, problems: list[Problem]) -> list[Any] | None:
    """The documents of a YAML file, or None (and a problem) when it does not parse, nests
    too deeply or expands past :data:`MAX_NODES` values through aliases."""
    if too_many_brackets(text):
        # The parser takes seconds to give up on thousands of brackets.
        problems.append(Problem(rel, None, "YAML nested too deeply, read line by line"))
        return None
    yaml = YAML(typ="rt")
    try:
        with warnings.catch_warnings():
            # A reused anchor is valid YAML 1.2, and other oddities ruamel warns about are
            # read all the same; its warnings would print on the terminal.
            warnings.simplefilter("ignore", YAMLWarning)
            documents = list(yaml.load_all(text))
    except Exception as error:  # noqa: BLE001 - a broken file must not stop the review
        line, reason = describe_yaml_error(error, text)
        problems.append(Problem(rel, line, f"invalid YAML, read line by line: {reason}"))
        return None
    if expands_past(documents):
        # Aliases of aliases ("billion laughs") would make every walk below endless.
        problems.append(
            Problem(
                rel,
                None,
                f"YAML expands to more than {MAX_NODES} values (nested aliases?), "
                "read line by line",
            )
        )
        return None
    return documents


def _key_line(mapping: Any, key: Any, default: int) -> int:
    """1-based line of a mapping key, or ``default`` when ruamel did not record it."""
    try:
        return int(mapping.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return default


def _value_line(mapping: Any, key: Any, default: int) -> int:
    try:
        return int(mapping.lc.value(key)[0]) + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return default


def _item_line(seq: Any, index: int, default: int) -> int:
    try:
        return int(seq.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return default


def _node_line(node: Any, default: int) -> int:
    try:
        return int(node.lc.line) + 1
    except (AttributeError, TypeError):
        return default


def _tag(node: Any) -> str:
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", None)
    return value if isinstance(value, str) else ""


def _scalar(value: Any) -> str:
    """A YAML scalar as the text the CI sees (``true``, not ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _truthy(value: Any) -> bool:
    """True for a literal YAML true; expressions are not evaluated and count as false."""
    # TODO: `continue-on-error: ${{ matrix.experimental }}` may be true for some runs.
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() == "true"


def _values(mapping: Any, line: int) -> dict[str, CIValue]:
    """A mapping of inputs or variables as text values with their lines."""
    if not isinstance(mapping, dict):
        return {}
    values = {}
    for key, value in mapping.items():
        if isinstance(value, dict):  # GitLab variables: {value: ..., description: ...}
            value = value.get("value")
        if isinstance(value, (dict, list)):
            continue
        values[str(key)] = CIValue(_scalar(value), _key_line(mapping, key, line))
    return values


# --- commands out of scripts --------------------------------------------------------------


def _commands(source: _Source, script: Any, line: int) -> list[CICommand]:
    """The commands of a script given as a string or a (nested) list of strings."""
    if isinstance(script, str):
        return _string_commands(source, script, line)
    if isinstance(script, list) and _tag(script) != "!reference":
        commands = []
        for index, entry in enumerate(script):
            commands.extend(_commands(source, entry, _item_line(script, index, line)))
        return commands
    return []


def _string_commands(source: _Source, script: str, line: int) -> list[CICommand]:
    """Split a script into commands, joining continued lines, and find each one's line.

    ruamel gives the line where the scalar starts; the lines inside it are found by
    searching the source forward from there, which works for every scalar style.
    """
    commands = []
    search_from = max(line - 1, 0)
    for first, text in _logical_lines(script.splitlines()):
        found = _find_line(source.lines, search_from, first)
        if found is None:
            found = min(search_from, max(len(source.lines) - 1, 0))
        else:
            search_from = found + 1
        commands.append(CICommand(found + 1, text))
    return commands


def _logical_lines(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Non-empty, non-comment lines with shell (``\\``) and PowerShell (`` ` ``)
    continuations joined, each as (its first physical line, the joined command)."""
    first = ""
    pending = ""
    for raw in lines:
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith(("#", "//"))):
            continue
        if not pending:
            first = _CONTINUED.sub("", stripped).strip()
        if _CONTINUED.search(stripped):
            pending += _CONTINUED.sub("", stripped) + " "
            continue
        text = (pending + stripped).strip()
        pending = ""
        if text:
            yield first, text
    if pending.strip():
        yield first, pending.strip()


def _find_line(lines: list[str], start: int, first: str) -> int | None:
    """0-based index of the first line at or after ``start`` holding ``first``."""
    for probe in (first, first[:24], first[:8]):
        if not probe:
            continue
        for index in range(start, min(len(lines), start + 400)):
            if probe in lines[index]:
                return index
    return None


def _line_steps(rel: str, lines: list[str]) -> list[CIStep]:
    """Steps of a file read line by line: ``uses:`` lines and every other command."""
    steps: list[CIStep] = []
    commands: list[CICommand] = []
    index = 0
    while index < len(lines):
        start = index
        match = _USES_LINE.match(lines[index])
        if match:
            steps.append(CIStep(rel, index + 1, uses=match.group("ref")))
            index += 1
            continue
        chunk = [lines[index]]
        while _CONTINUED.search(lines[index].rstrip()) and index + 1 < len(lines):
            index += 1
            chunk.append(lines[index])
        index += 1
        commands.extend(CICommand(start + 1, text) for _, text in _logical_lines(chunk))
    if commands:
        steps.append(CIStep(rel, commands[0].line, commands=tuple(commands)))
    return steps


# --- GitHub Actions -----------------------------------------------------------------------


def _github_steps(source: _Source, document: dict[str, Any]) -> list[CIStep]:
    """Steps of a workflow (``jobs.*.steps`` and job-level ``uses``) or a composite action
    (``runs.steps``)."""
    workflow_env = _values(document.get("env"), 1)
    workflow_shell = _default_shell(document)
    steps: list[CIStep] = []

    runs = document.get("runs")
    if isinstance(runs, dict) and isinstance(runs.get("steps"), list):
        steps.extend(_github_job_steps(source, "", runs["steps"], workflow_env, False, ""))

    jobs = document.get("jobs")
    if not isinstance(jobs, dict):
        return steps
    for job_id, job in jobs.items():
        if not isinstance(job, dict):
            continue
        job_line = _key_line(jobs, job_id, 1)
        env = {**workflow_env, **_values(job.get("env"), job_line)}
        may_fail = _truthy(job.get("continue-on-error"))
        shell = _default_shell(job) or workflow_shell
        if isinstance(job.get("uses"), str):
            steps.append(
                CIStep(
                    source.path,
                    _key_line(job, "uses", job_line),
                    str(job_id),
                    uses=job["uses"].strip(),
                    inputs=_values(job.get("with"), job_line),
                    env=env,
                    may_fail=may_fail,
                )
            )
        if isinstance(job.get("steps"), list):
            steps.extend(
                _github_job_steps(source, str(job_id), job["steps"], env, may_fail, shell)
            )
    return steps


def _github_job_steps(
    source: _Source,
    job: str,
    raw_steps: list[Any],
    job_env: dict[str, CIValue],
    job_may_fail: bool,
    shell: str,
) -> list[CIStep]:
    steps = []
    for index, raw in enumerate(raw_steps):
        if not isinstance(raw, dict):
            continue
        line = _item_line(raw_steps, index, 1)
        run = raw.get("run")
        commands = _commands(source, run, _value_line(raw, "run", line)) if run else []
        uses = raw.get("uses")
        steps.append(
            CIStep(
                source.path,
                _key_line(raw, "uses", line) if isinstance(uses, str) else line,
                job,
                uses=uses.strip() if isinstance(uses, str) else "",
                commands=tuple(commands),
                inputs=_values(raw.get("with"), line),
                env={**job_env, **_values(raw.get("env"), line)},
                may_fail=job_may_fail or _truthy(raw.get("continue-on-error")),
                shell=str(raw.get("shell") or shell),
            )
        )
    return steps


def _default_shell(node: dict[str, Any]) -> str:
    defaults = node.get("defaults")
    run = defaults.get("run") if isinstance(defaults, dict) else None
    shell = run.get("shell") if isinstance(run, dict) else None
    return str(shell) if isinstance(shell, str) else ""


# --- GitLab CI ----------------------------------------------------------------------------


def _gitlab_steps(source: _Source, document: dict[str, Any]) -> list[CIStep]:
    """One step per job (its before_script, script and after_script) and one per
    non-local include (``template:Jobs/Build.gitlab-ci.yml`` and the like)."""
    global_env = _values(document.get("variables"), 1)
    steps = _gitlab_include_steps(
        source, document.get("include"), _key_line(document, "include", 1)
    )

    default = document.get("default")
    for holder, name in ((document, ""), (default, "default")):
        if not isinstance(holder, dict):
            continue
        for key in ("before_script", "after_script"):
            if key in holder:
                shared = _commands(source, holder[key], _value_line(holder, key, 1))
                if shared:
                    steps.append(
                        CIStep(
                            source.path,
                            shared[0].line,
                            name or key,
                            commands=tuple(shared),
                            env=global_env,
                        )
                    )

    for name, job in document.items():
        if name in _GITLAB_RESERVED or not isinstance(job, dict):
            continue
        line = _key_line(document, name, 1)
        commands: list[CICommand] = []
        for key in ("before_script", "script", "after_script"):
            if key in job:
                commands.extend(_commands(source, job[key], _value_line(job, key, line)))
        if not commands:
            continue
        steps.append(
            CIStep(
                source.path,
                line,
                str(name),
                commands=tuple(commands),
                env={**global_env, **_values(job.get("variables"), line)},
                may_fail=_gitlab_may_fail(job.get("allow_failure")),
            )
        )
    return steps


def _gitlab_may_fail(value: Any) -> bool:
    # allow_failure: {exit_codes: [...]} tolerates those exit codes, which for a scanner
    # means its findings; treat it like allow_failure: true.
    return _truthy(value) or isinstance(value, dict)


def _gitlab_include_steps(source: _Source, include: Any, line: int) -> list[CIStep]:
    # TODO: remote, project and component includes are named, not fetched and read.
    steps = []
    for entry, entry_line in _gitlab_include_entries(include, line):
        if isinstance(entry, dict):
            for key in ("template", "component", "remote", "project"):
                if isinstance(entry.get(key), str):
                    reference = entry[key]
                    if key == "project" and isinstance(entry.get("file"), str):
                        reference = f"{reference}/{entry['file']}"
                    steps.append(CIStep(source.path, entry_line, uses=f"{key}:{reference}"))
        elif isinstance(entry, str) and "://" in entry:
            steps.append(CIStep(source.path, entry_line, uses=f"remote:{entry}"))
    return steps


def _gitlab_include_entries(include: Any, line: int) -> list[tuple[Any, int]]:
    if isinstance(include, list):
        return [(entry, _item_line(include, index, line)) for index, entry in enumerate(include)]
    if include is None:
        return []
    return [(include, _node_line(include, line))]


def _gitlab_local_includes(include: Any) -> list[str]:
    """Paths of local includes: ``include: path``, ``- local: path`` (globs allowed)."""
    paths = []
    for entry, _ in _gitlab_include_entries(include, 0):
        if isinstance(entry, str) and "://" not in entry:
            paths.append(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("local"), str):
            paths.append(entry["local"])
    return paths


# --- Azure Pipelines ----------------------------------------------------------------------


def _azure_steps(source: _Source, document: dict[str, Any]) -> list[CIStep]:
    """Every ``steps:`` list under stages, jobs and deployment strategies."""
    steps: list[CIStep] = []
    for job, raw_steps in _steps_lists(document, ""):
        for index, raw in enumerate(raw_steps):
            if not isinstance(raw, dict):
                continue
            line = _item_line(raw_steps, index, 1)
            commands: list[CICommand] = []
            for key in _AZURE_SCRIPT_KEYS:
                if key in raw:
                    commands.extend(_commands(source, raw[key], _value_line(raw, key, line)))
            # TODO: local `template:` files are named, not read like GitLab includes.
            uses = raw.get("task") or (
                f"template:{raw['template']}" if isinstance(raw.get("template"), str) else ""
            )
            steps.append(
                CIStep(
                    source.path,
                    line,
                    job,
                    uses=str(uses),
                    commands=tuple(commands),
                    inputs=_values(raw.get("inputs"), line),
                    env=_values(raw.get("env"), line),
                    may_fail=_truthy(raw.get("continueOnError")),
                )
            )
    return steps


def _steps_lists(node: Any, job: str, depth: int = 0) -> Iterator[tuple[str, list[Any]]]:
    """Every list held under a ``steps`` key, with the name of the job around it."""
    if depth > 12:
        return
    if isinstance(node, dict):
        explicit = node.get("job") or node.get("deployment")
        here = str(explicit) if isinstance(explicit, str) else job
        for key, value in node.items():
            if key == "steps" and isinstance(value, list):
                yield here, value
                # CircleCI nests steps in `when:`/`unless:` steps.
                yield from _steps_lists(value, here, depth + 1)
            elif isinstance(value, (dict, list)):
                yield from _steps_lists(value, here if explicit else str(key), depth + 1)
    elif isinstance(node, list):
        for entry in node:
            yield from _steps_lists(entry, job, depth + 1)


# --- CircleCI -----------------------------------------------------------------------------


def _circleci_steps(source: _Source, document: dict[str, Any]) -> list[CIStep]:
    """Steps of jobs and commands (``run`` scripts and orb commands) and the orb jobs that
    workflows run (``docker/publish``)."""
    steps: list[CIStep] = []
    for job, raw_steps in _steps_lists(document, ""):
        for index, raw in enumerate(raw_steps):
            line = _item_line(raw_steps, index, 1)
            step = _circleci_step(source, job, raw, line)
            if step is not None:
                steps.append(step)

    workflows = document.get("workflows")
    if isinstance(workflows, dict):
        for workflow in workflows.values():
            jobs = workflow.get("jobs") if isinstance(workflow, dict) else None
            if not isinstance(jobs, list):
                continue
            for index, entry in enumerate(jobs):
                line = _item_line(jobs, index, 1)
                name, params = _single_key(entry)
                if "/" in name:
                    steps.append(
                        CIStep(source.path, line, name, uses=name, inputs=_values(params, line))
                    )
    return steps


def _circleci_step(source: _Source, job: str, raw: Any, line: int) -> CIStep | None:
    name, params = _single_key(raw)
    if not name:
        return None
    if name != "run":
        return CIStep(
            source.path,
            line,
            job,
            uses=name,
            inputs=_values(params, line),
            env=_values(params.get("environment") if isinstance(params, dict) else None, line),
        )
    script = params.get("command") if isinstance(params, dict) else params
    holder = params if isinstance(params, dict) else raw
    key = "command" if isinstance(params, dict) else "run"
    commands = _commands(source, script, _value_line(holder, key, line))
    env = _values(params.get("environment"), line) if isinstance(params, dict) else {}
    return CIStep(source.path, line, job, commands=tuple(commands), env=env)


def _single_key(entry: Any) -> tuple[str, Any]:
    """``name`` and parameters of a CircleCI step or workflow job entry."""
    if isinstance(entry, str):
        return entry, None
    if isinstance(entry, dict) and len(entry) == 1:
        key = next(iter(entry))
        return str(key), entry[key]
    return "", None


# --- GitHub workflow settings -------------------------------------------------------------


def _github_events(on: Any) -> tuple[str, ...]:
    """The event names of ``on:``, written as a name, a list or a mapping."""
    if isinstance(on, str):
        return (on.strip(),)
    if isinstance(on, list):
        return tuple(str(event).strip() for event in on if isinstance(event, str))
    if isinstance(on, dict):
        return tuple(str(event).strip() for event in on)
    return ()


def _permissions(source: _Source, holder: dict[str, Any], job: str) -> CIPermissions:
    value = holder["permissions"]
    line = _key_line(holder, "permissions", 1)
    if isinstance(value, dict):
        grants = ", ".join(f"{scope}: {_scalar(level)}" for scope, level in value.items())
        return CIPermissions(source.path, line, job, grants or "none")
    return CIPermissions(source.path, line, job, _scalar(value).strip() or "none")


# --- Bitbucket Pipelines ------------------------------------------------------------------


def _bitbucket_steps(source: _Source, document: dict[str, Any]) -> list[CIStep]:
    """One step per pipeline ``step:`` (its script and after-script) and one per ``pipe:``."""
    steps: list[CIStep] = []
    for step_map, line in _bitbucket_step_maps(document.get("pipelines"), 1):
        name = str(step_map.get("name") or "")
        commands: list[CICommand] = []
        pipes: list[CIStep] = []
        for key in ("script", "after-script"):
            script = step_map.get(key)
            if not isinstance(script, list):
                continue
            for index, entry in enumerate(script):
                entry_line = _item_line(script, index, line)
                if isinstance(entry, dict) and isinstance(entry.get("pipe"), str):
                    variables = _values(entry.get("variables"), entry_line)
                    pipes.append(
                        CIStep(source.path, entry_line, name, uses=entry["pipe"], inputs=variables)
                    )
                else:
                    commands.extend(_commands(source, entry, entry_line))
        steps.append(CIStep(source.path, line, name, commands=tuple(commands)))
        steps.extend(pipes)
    return steps


def _bitbucket_step_maps(node: Any, line: int, depth: int = 0) -> Iterator[tuple[Any, int]]:
    """Every ``step:`` mapping under ``pipelines:``, with the line of its key."""
    if depth > 12:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            key_line = _key_line(node, key, line)
            if key == "step" and isinstance(value, dict):
                yield value, key_line
            elif isinstance(value, (dict, list)):
                yield from _bitbucket_step_maps(value, key_line, depth + 1)
    elif isinstance(node, list):
        for index, entry in enumerate(node):
            yield from _bitbucket_step_maps(entry, _item_line(node, index, line), depth + 1)


# --- job and service images ---------------------------------------------------------------


def _image_at(
    source: _Source, holder: Any, key: Any, job: str, role: str, name_key: str = "image"
) -> CIImage | None:
    """The image written at ``holder[key]``: a reference, or a mapping naming one."""
    if not isinstance(holder, dict) or key not in holder:
        return None
    value = holder[key]
    line = _key_line(holder, key, 1)
    if isinstance(value, dict):
        holder, key, line = value, name_key, _node_line(value, line)
        value = value.get(name_key)
    if not isinstance(value, str) or not value.strip():
        return None
    return CIImage(source.path, _value_line(holder, key, line), value.strip(), job, role)


def _listed_images(
    source: _Source, entries: Any, job: str, role: str, name_key: str
) -> list[CIImage]:
    """Images of a list whose entries are references or mappings naming one."""
    if not isinstance(entries, list):
        return []
    images = []
    for index, entry in enumerate(entries):
        if isinstance(entry, str) and entry.strip():
            line = _item_line(entries, index, 1)
            images.append(CIImage(source.path, line, entry.strip(), job, role))
        elif isinstance(entry, dict) and isinstance(entry.get(name_key), str):
            reference = entry[name_key].strip()
            line = _value_line(entry, name_key, _item_line(entries, index, 1))
            if reference:
                images.append(CIImage(source.path, line, reference, job, role))
    return images


def _github_images(source: _Source, document: dict[str, Any]) -> list[CIImage]:
    """``jobs.<id>.container`` and ``jobs.<id>.services.<name>``."""
    jobs = document.get("jobs")
    if not isinstance(jobs, dict):
        return []
    images = []
    for job_id, job in jobs.items():
        if not isinstance(job, dict):
            continue
        container = _image_at(source, job, "container", str(job_id), "job")
        if container is not None:
            images.append(container)
        services = job.get("services")
        if isinstance(services, dict):
            for name in services:
                service = _image_at(source, services, name, str(job_id), "service")
                if service is not None:
                    images.append(service)
    return images


def _gitlab_images(source: _Source, document: dict[str, Any]) -> list[CIImage]:
    """``image:`` and ``services:`` at the top, under ``default:`` and in every job."""
    holders: list[tuple[str, Any]] = [("", document), ("default", document.get("default"))]
    holders += [
        (str(name), job)
        for name, job in document.items()
        if name not in _GITLAB_RESERVED and isinstance(job, dict)
    ]
    images = []
    for job, holder in holders:
        if not isinstance(holder, dict):
            continue
        image = _image_at(source, holder, "image", job, "job", name_key="name")
        if image is not None:
            images.append(image)
        images.extend(_listed_images(source, holder.get("services"), job, "service", "name"))
    return images


def _circleci_images(source: _Source, document: dict[str, Any]) -> list[CIImage]:
    """The ``docker:`` images of jobs and executors (the first is the job's own)."""
    images = []
    for section in ("jobs", "executors"):
        holders = document.get(section)
        if not isinstance(holders, dict):
            continue
        for name, holder in holders.items():
            docker = holder.get("docker") if isinstance(holder, dict) else None
            for index, image in enumerate(
                _listed_images(source, docker, str(name), "job", "image")
            ):
                role = "job" if index == 0 else "service"
                images.append(CIImage(image.path, image.line, image.reference, image.job, role))
    return images


def _azure_images(source: _Source, document: dict[str, Any]) -> list[CIImage]:
    """``resources.containers`` images and the images jobs name in ``container:``."""
    images = []
    aliases: set[str] = set()
    resources = document.get("resources")
    containers = resources.get("containers") if isinstance(resources, dict) else None
    if isinstance(containers, list):
        for entry in containers:
            if not isinstance(entry, dict):
                continue
            alias = str(entry.get("container") or "")
            aliases.add(alias)
            image = _image_at(source, entry, "image", alias, "job")
            if image is not None:
                images.append(image)
    for job, holder in _azure_jobs(document):
        container = holder.get("container")
        if isinstance(container, str) and container.strip() in aliases:
            continue
        image = _image_at(source, holder, "container", job, "job")
        if image is not None:
            images.append(image)
    return images


def _azure_jobs(node: Any, depth: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapping that declares a container (the pipeline, a job or a deployment)."""
    if depth > 12:
        return
    if isinstance(node, dict):
        if "container" in node and ("job" in node or "deployment" in node or depth == 0):
            yield str(node.get("job") or node.get("deployment") or ""), node
        for key, value in node.items():
            if key != "resources" and isinstance(value, (dict, list)):
                yield from _azure_jobs(value, depth + 1)
    elif isinstance(node, list):
        for entry in node:
            yield from _azure_jobs(entry, depth + 1)


def _bitbucket_images(source: _Source, document: dict[str, Any]) -> list[CIImage]:
    """The default ``image:``, each step's ``image:`` and the defined services' images."""
    images = []
    default = _image_at(source, document, "image", "", "job", name_key="name")
    if default is not None:
        images.append(default)
    for step_map, _ in _bitbucket_step_maps(document.get("pipelines"), 1):
        name = str(step_map.get("name") or "")
        image = _image_at(source, step_map, "image", name, "job", name_key="name")
        if image is not None:
            images.append(image)
    definitions = document.get("definitions")
    services = definitions.get("services") if isinstance(definitions, dict) else None
    if isinstance(services, dict):
        for name, service in services.items():
            image = _image_at(source, service, "image", str(name), "service", name_key="name")
            if image is not None:
                images.append(image)
    return images


_IMAGE_READERS: dict[CIKind, Callable[[_Source, dict[str, Any]], list[CIImage]]] = {
    CIKind.GITHUB: _github_images,
    CIKind.GITLAB: _gitlab_images,
    CIKind.AZURE: _azure_images,
    CIKind.CIRCLECI: _circleci_images,
    CIKind.BITBUCKET: _bitbucket_images,
}


# --- paths --------------------------------------------------------------------------------


def _inside_tree(root: Path, reference: str) -> str | None:
    """A reference like ``./x/y`` or ``/x/y`` as a relative path inside the project."""
    rel = posixpath.normpath(reference.lstrip("/").removeprefix("./"))
    if rel.startswith("..") or rel in (".", ""):
        return None
    try:
        (root / rel).resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return None
    return rel


def _expand_glob(root: Path, pattern: str) -> list[str]:
    """Relative paths inside the project that a GitLab local include names.

    As in GitLab, ``*`` stays within one folder and ``**`` crosses folders.
    """
    if not any(ch in pattern for ch in "*?["):
        rel = _inside_tree(root, pattern)
        return [rel] if rel else []
    rel_pattern = pattern.lstrip("/").removeprefix("./")
    if rel_pattern.startswith(".."):
        return []
    # "**/**" matches what "**" does, but each one more walks the tree once more for
    # every folder the others reached: a dozen of them take minutes on a small project.
    rel_pattern = _REPEATED_FOLDERS.sub("**", rel_pattern)
    found: list[str] = []
    visited = 0
    # Taken as the walk finds them, so the caps bound the walk itself.
    for path in root.glob(rel_pattern):
        visited += 1
        rel = path.relative_to(root).as_posix()
        inside = _inside_tree(root, rel) if path.is_file() else None
        if inside:
            found.append(inside)
        if len(found) >= MAX_INCLUDED_FILES or visited > 5000:
            break
    return sorted(found)
