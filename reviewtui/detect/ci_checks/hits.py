"""What the CI items look for in a pipeline: hits, a pipeline's hits, the step context."""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewtui.model import Evidence
from reviewtui.project.ci import CIFile, CIStep

Gate = tuple[bool | None, str]
"""Whether a scan fails the build on critical findings (None: cannot tell), and why."""


@dataclass(frozen=True)
class Hit:
    """One thing a pipeline does that an item cares about, and where it is written.

    For scanners, ``gate`` says whether the scan fails the build on critical findings
    (None when the files cannot settle it) and ``note`` says why. For linters and secret
    scanners, ``note`` says what the tool checks, ``gate`` whether it can fail the job on
    findings and ``why`` why not (or why the files cannot tell).
    """

    tool: str
    path: str
    line: int
    snippet: str
    note: str = ""
    gate: bool | None = None
    job: str = ""
    why: str = ""

    def evidence(self) -> Evidence:
        """The place that proves this hit."""
        return Evidence(self.path, self.line, self.snippet)


@dataclass(eq=False)
class Pipeline:
    """What one CI file does, step by step sorted into the things the items ask about.

    Compared by identity: two files that do the same things are still two pipelines.
    """

    path: str
    calls: list[str] = field(default_factory=list)
    builds: list[Hit] = field(default_factory=list)
    pushes: list[Hit] = field(default_factory=list)
    scans: list[Hit] = field(default_factory=list)
    lints: list[Hit] = field(default_factory=list)
    signs: list[Hit] = field(default_factory=list)
    sboms: list[Hit] = field(default_factory=list)
    provenance: list[Hit] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """What a step's meaning depends on beyond the step itself."""

    ci_file: CIFile
    tool_configs: frozenset[str]

    def hit(
        self, tool: str, step: CIStep, line: int, note: str = "", gate: bool | None = None
    ) -> Hit:
        """A hit for ``step`` at ``line``, quoting that line."""
        snippet = self.ci_file.line_text(step.path, line)
        return Hit(tool, step.path, line, snippet, note, gate, step.job)
