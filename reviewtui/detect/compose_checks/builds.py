"""The Dockerfile stage a compose service builds, for detectors that fall back on what
the image itself sets (USER, HEALTHCHECK, ENTRYPOINT)."""

from __future__ import annotations

from dataclasses import dataclass

from reviewtui.model import Evidence
from reviewtui.project.compose import ComposeService
from reviewtui.project.dockerfile import Dockerfile, Instruction, Stage, split_words
from reviewtui.project.facts import ProjectFacts


@dataclass(frozen=True)
class BuiltStage:
    """The stage a service's image is built from: ``build.target``, else the last one.

    ``target`` is the stage name the compose file gave, None when the final stage ships.
    """

    dockerfile: Dockerfile
    stage: Stage
    target: str | None = None

    @property
    def label(self) -> str:
        """How a reason names what was judged: ``target stage build of Dockerfile`` for a
        ``build.target``, the Dockerfile's path for its final stage."""
        if self.target is None:
            return self.dockerfile.path
        return f"target stage {self.target} of {self.dockerfile.path}"

    def effective(self, keyword: str) -> Instruction | None:
        """The last instruction with ``keyword`` in effect for the stage."""
        return self.dockerfile.effective(keyword, self.stage)

    def user(self) -> tuple[str, Instruction] | None:
        """The USER in effect for the stage, ARG/ENV defaults substituted and quotes
        removed, with the instruction that sets it; None when no USER applies.

        A value still holding ``$`` names a variable without a default.
        """
        instruction = self.effective("USER")
        if instruction is None:
            return None
        dockerfile = self.dockerfile
        owner = dockerfile.stages[instruction.stage]
        text = instruction.arguments.strip()
        expanded, complete = dockerfile.expand(text, owner, instruction.start_line)
        words = split_words(expanded if complete else text, dockerfile.escape)
        return " ".join(words), instruction

    def evidence(self, instruction: Instruction) -> Evidence:
        """Evidence for one of the Dockerfile's instructions."""
        line = instruction.start_line
        return Evidence(self.dockerfile.path, line, self.dockerfile.snippet_at(line))

    def from_evidence(self) -> Evidence:
        """Evidence for the stage's FROM line."""
        return self.evidence(self.stage.from_instruction)


def built_stage(facts: ProjectFacts, service: ComposeService) -> BuiltStage | str | None:
    """The stage the service builds; None when it builds nothing (it pulls ``image:``);
    a reason a reviewer reads when the Dockerfile cannot be read from the project."""
    build = service.build()
    if build is None:
        return None
    if build.dockerfile is None:
        return "the Dockerfile is not in the project (remote or inline build)"
    dockerfile = facts.dockerfile(build.dockerfile)
    if dockerfile is None or dockerfile.final_stage is None:
        return f"{build.dockerfile} was not read"
    target = build.target.strip() if build.target else None
    if not target:
        return BuiltStage(dockerfile, dockerfile.final_stage)
    if "$" in target:
        return f"the build target {target} comes from a variable set nowhere in the project"
    named = dockerfile.stage_by_ref(target)
    if named is None:
        return f"{build.dockerfile} has no stage {target}, so the build fails"
    return BuiltStage(dockerfile, named, target)
