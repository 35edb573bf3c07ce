"""The user a service runs as: its ``user:`` key, or the USER of the Dockerfile stage it
builds (``build.target``, else the final stage) (CIS 4.1)."""

from __future__ import annotations

from reviewtui.detect.compose_checks.builds import built_stage
from reviewtui.detect.compose_checks.findings import Check, finding, services
from reviewtui.model import Finding, Status
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.compose_yaml import spelled
from reviewtui.project.facts import ProjectFacts

# ContainerAdministrator is the administrator of Windows containers.
_ROOT_USERS = frozenset({"root", "0", "containeradministrator"})


def is_root_user(user: str) -> bool:
    """True for ``root``, ``0``, ``0:0``, ``root:staff`` and the like (and Windows'
    ContainerAdministrator)."""
    return user.strip().split(":", 1)[0].strip().lower() in _ROOT_USERS


def _runtime_user_for(facts: ProjectFacts) -> Check:
    def check(project: ComposeProject, service: ComposeService) -> Finding:
        if "user" in service.data and service.data["user"] is not None:
            return _explicit_user(service)
        return _image_user(facts, service)

    return check


def runtime_user(facts: ProjectFacts) -> list[Finding]:
    """PASS for a non-root ``user:`` or, without one, a non-root USER in the Dockerfile stage
    the service builds (its ``build.target``, else the final stage); UNKNOWN when only the
    image can tell (CIS 4.1)."""
    check = _runtime_user_for(facts)
    return [check(project, service) for project, service in services(facts)]


def _explicit_user(service: ComposeService) -> Finding:
    user = spelled(service.data["user"]).strip()
    evidence = service.evidence("user")
    substitution = service.data.substitution_of("user")
    if substitution is not None and substitution.unset and not user.replace(":", ""):
        return finding(
            service,
            Status.UNKNOWN,
            f"user comes from {', '.join(substitution.unset)}, set nowhere in the project",
            evidence,
        )
    if is_root_user(user):
        return finding(service, Status.FAIL, f"runs as root: user is {user}", evidence)
    return finding(service, Status.PASS, f"runs as user {user}", evidence)


def _image_user(facts: ProjectFacts, service: ComposeService) -> Finding:
    built = built_stage(facts, service)
    if built is None:
        return finding(
            service,
            Status.UNKNOWN,
            "no user: and no build: the image's default user decides; check it",
            service.evidence("image"),
        )
    keys = ("build", "target") if service.get("build", "target") else ("build",)
    build_evidence = service.evidence(*keys)
    if isinstance(built, str):
        return finding(
            service,
            Status.UNKNOWN,
            f"no user: and {built}; check the image's user",
            build_evidence,
        )
    found = built.user()
    if found is None:
        return finding(
            service,
            Status.FAIL,
            f"no user: and {built.label} sets no USER, so the base image's user "
            "(usually root) applies",
            built.from_evidence(),
            build_evidence,
        )
    user, instruction = found
    user_evidence = built.evidence(instruction)
    if "$" in user:
        return finding(
            service,
            Status.UNKNOWN,
            f"no user: and the USER {user} of {built.label} comes from a variable "
            "without a default",
            user_evidence,
            build_evidence,
        )
    if is_root_user(user):
        return finding(
            service,
            Status.FAIL,
            f"runs as root: no user: and the last USER of {built.label} is {user}",
            user_evidence,
            build_evidence,
        )
    return finding(
        service,
        Status.PASS,
        f"runs as {user}: the last USER of {built.label}",
        user_evidence,
        build_evidence,
    )


DETECTORS = {"runtime_user": runtime_user}
"""The detectors of this module, by the names the checklists use."""
