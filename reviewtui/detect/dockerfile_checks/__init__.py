"""Detectors that answer image and build items from the project's Dockerfiles.

Each detector gives one finding per Dockerfile (the target is the file, judged on its
effective final stage: the last stage together with the stages it builds on through
``FROM <stage>``), except where its docstring says it looks at every stage. The modules
hold the detectors by topic; ``DETECTORS`` lists them all by the names the checklists use.
"""

from __future__ import annotations

from reviewtui.detect.dockerfile_checks import (
    base_image,
    context,
    downloads,
    instructions,
    packages,
    secrets,
    shell_commands,
    stages,
    tls,
    user,
)
from reviewtui.detect.dockerfile_checks.base_image import (
    base_image_digest,
    base_image_tag,
    base_image_trusted,
    minimal_base,
)
from reviewtui.detect.dockerfile_checks.context import build_contexts, dockerignore
from reviewtui.detect.dockerfile_checks.findings import Detector
from reviewtui.detect.dockerfile_checks.instructions import copy_not_add, healthcheck
from reviewtui.detect.dockerfile_checks.secret_files import secret_file_kind
from reviewtui.detect.dockerfile_checks.secrets import (
    build_secret_mounts,
    secret_files_in_image,
    secrets_in_arg_env,
)
from reviewtui.detect.dockerfile_checks.stages import multi_stage
from reviewtui.detect.dockerfile_checks.user import final_user

_MODULES = (
    base_image,
    secrets,
    stages,
    user,
    context,
    instructions,
    tls,
    downloads,
    shell_commands,
    packages,
)

DETECTORS: dict[str, Detector] = {
    name: function for module in _MODULES for name, function in module.DETECTORS.items()
}
"""Every Dockerfile detector, by the names the checklists use."""

__all__ = [
    "DETECTORS",
    "base_image_digest",
    "base_image_tag",
    "base_image_trusted",
    "build_contexts",
    "build_secret_mounts",
    "copy_not_add",
    "dockerignore",
    "final_user",
    "healthcheck",
    "minimal_base",
    "multi_stage",
    "secret_file_kind",
    "secret_files_in_image",
    "secrets_in_arg_env",
]
