"""The shipped checklists load and hold together; broken checklist files are reported
with their file, line and item."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewtui.checklists.loader import (
    CHECKLIST_ORDER,
    ChecklistError,
    load_catalogue,
    load_file,
)
from reviewtui.detect.drift import DERIVED
from reviewtui.detect.registry import all_detectors, check_catalogue, live_detectors
from reviewtui.model import Severity

CIS_NUMBER = re.compile(r"^\d+(\.\d+)+$")

# The ids and detector names other modules and saved reviews rely on, in review order.
EXPECTED_ITEMS = {
    "image": [
        ("image.trusted-base", "base_image_trusted", "high"),
        ("image.base-tag-pinned", "base_image_tag", "high"),
        ("image.base-digest-pinned", "base_image_digest", "medium"),
        ("image.minimal-base", "minimal_base", "medium"),
        ("image.vulnerability-scanning", "ci_image_scanning", "high"),
        ("image.scan-fails-build", "ci_scan_gate", "high"),
        ("image.scan-results", "scanner_results", "high"),
        ("image.dockerfile-lint", "ci_dockerfile_lint", "medium"),
        ("image.signed", "ci_image_signing", "high"),
        ("image.sbom-provenance", "ci_sbom_provenance", "medium"),
        ("image.ci-actions-pinned", "ci_actions_pinned", "high"),
        ("image.ci-image-tag", "ci_job_image_tag", "medium"),
        ("image.ci-image-digest", "ci_job_image_digest", "low"),
        ("image.ci-credentials", "ci_registry_credentials", "high"),
        ("image.ci-build-secrets", "ci_build_secrets", "high"),
        ("image.ci-token-permissions", "ci_token_permissions", "medium"),
        ("image.ci-script-injection", "ci_script_injection", "high"),
        ("image.no-secrets-in-layers", "secret_files_in_image", "critical"),
        ("image.rescan-schedule", None, "medium"),
        ("image.approved-registry", None, "medium"),
    ],
    "build": [
        ("build.multi-stage", "multi_stage", "medium"),
        ("build.non-root-user", "final_user", "high"),
        ("build.no-secrets-in-arg-env", "secrets_in_arg_env", "critical"),
        ("build.secret-mounts", "build_secret_mounts", "high"),
        ("build.dockerignore", "dockerignore", "medium"),
        ("build.copy-not-add", "copy_not_add", "low"),
        ("build.healthcheck", "healthcheck", "low"),
        ("build.tls-verification", "tls_verification", "critical"),
        ("build.no-pipe-to-shell", "pipe_to_shell", "high"),
        ("build.downloads-verified", "download_verification", "high"),
        ("build.no-passwords-in-image", "password_setting", "high"),
        ("build.no-sudo", "sudo_usage", "high"),
        ("build.update-with-install", "package_index_update", "medium"),
        ("build.exposed-ports", "exposed_ports", "medium"),
        ("build.setuid-stripped", "setuid_stripped", "medium"),
        ("build.stage-references", "stage_references", "medium"),
        ("build.lean-package-installs", "lean_package_installs", "low"),
        ("build.packages-pinned", "packages_pinned", "low"),
        ("build.exec-form", "exec_form", "low"),
        ("build.workdir-absolute", "workdir_paths", "low"),
        ("build.pipefail", "pipefail", "low"),
        ("build.syntax-pinned", "dockerfile_syntax", "low"),
        ("build.isolated-builders", None, "medium"),
    ],
    "runtime": [
        ("runtime.not-privileged", "privileged", "critical"),
        ("runtime.cap-drop-all", "cap_drop_all", "high"),
        ("runtime.no-docker-socket", "docker_socket", "critical"),
        ("runtime.read-only-rootfs", "read_only_rootfs", "medium"),
        ("runtime.no-new-privileges", "no_new_privileges", "high"),
        ("runtime.seccomp-apparmor", "security_profiles", "high"),
        ("runtime.memory-limit", "memory_limit", "medium"),
        ("runtime.cpu-limit", "cpu_limit", "low"),
        ("runtime.pids-limit", "pids_limit", "medium"),
        ("runtime.non-root-user", "runtime_user", "high"),
        ("runtime.host-namespaces", "host_namespaces", "high"),
        ("runtime.port-binding", "port_bindings", "medium"),
        ("runtime.network-segmentation", "network_segmentation", "medium"),
        ("runtime.secrets-not-env", "secrets_not_in_env", "high"),
        ("runtime.no-sensitive-mounts", "sensitive_mounts", "high"),
        ("runtime.image-tag-pinned", "compose_image_tag", "high"),
        ("runtime.image-digest-pinned", "compose_image_digest", "medium"),
        ("runtime.host-devices", "host_devices", "high"),
        ("runtime.mount-propagation", "mount_propagation", "medium"),
        ("runtime.tmpfs-noexec", "tmpfs_exec", "low"),
        ("runtime.kernel-settings", "kernel_settings", "medium"),
        ("runtime.healthcheck", "service_healthcheck", "low"),
        ("runtime.restart-policy", "restart_policy", "low"),
        ("runtime.privileged-ports", "privileged_ports", "low"),
        ("runtime.default-bridge", "default_bridge", "low"),
        ("runtime.ulimits", "ulimits", "low"),
        ("runtime.init-process", "init_process", "low"),
        ("runtime.shared-volumes", "shared_volumes", "low"),
        ("runtime.live-matches-compose", "compose_drift", "high"),
        ("runtime.ports-justified", "published_ports", "low"),
        ("runtime.limits-sized", None, "low"),
    ],
    "operations": [
        ("operations.log-rotation", "logging_rotation", "medium"),
        ("operations.icc-disabled", "daemon_icc", "medium"),
        ("operations.userns-remap", "daemon_userns", "medium"),
        ("operations.live-restore", "daemon_live_restore", "low"),
        ("operations.daemon-tls", "daemon_tls", "critical"),
        ("operations.insecure-registries", "daemon_insecure_registries", "high"),
        ("operations.no-new-privileges-default", "daemon_no_new_privileges", "medium"),
        ("operations.authorization-plugin", "daemon_authorization", "low"),
        ("operations.userland-proxy", "daemon_userland_proxy", "low"),
        ("operations.daemon-safe-defaults", "daemon_safe_defaults", "medium"),
        ("operations.runtime-monitoring", None, "high"),
        ("operations.cis-benchmark", None, "medium"),
        ("operations.patching", None, "high"),
        ("operations.socket-access", None, "high"),
        ("operations.incident-response", None, "medium"),
        ("operations.exec-audited", None, "medium"),
        ("operations.log-retention", None, "medium"),
        ("operations.sprawl-cleanup", "engine_sprawl", "low"),
        ("operations.secrets-rotation", None, "medium"),
        ("operations.exceptions-documented", None, "low"),
        ("operations.swarm-autolock", "swarm_autolock", "medium"),
        ("operations.overlay-encrypted", "overlay_encryption", "medium"),
        ("operations.swarm-cert-rotation", "swarm_cert_rotation", "low"),
    ],
}
EXPECTED_CIS = {
    "image.trusted-base": ("4.2",),
    "image.base-tag-pinned": ("4.2", "5.28"),
    "image.signed": ("4.5", "4.12"),
    "runtime.seccomp-apparmor": ("5.2", "5.3", "5.22"),
    "runtime.host-namespaces": ("5.10", "5.16", "5.17", "5.21", "5.31"),
    "operations.patching": ("1.2.1", "1.2.2"),
    "operations.socket-access": ("1.1.2",),
    "runtime.ulimits": ("5.19", "2.8"),
    "operations.daemon-safe-defaults": ("2.3", "2.4", "2.6", "2.10", "2.11", "2.17", "2.18"),
}

VALID_ITEM = """\
  - id: {id}
    title: A title
    question: Is it so?
    why: Because it matters.
    fix: Do the thing.
    severity: high
    detector: null
    evidence: Look at the file.
"""


def write_checklist(folder: Path, name: str, body: str) -> Path:
    """A checklist file ``name.yaml`` in ``folder`` with the given items text."""
    path = folder / f"{name}.yaml"
    path.write_text(f"checklist: {name}\ntitle: Custom\nitems:\n{body}", encoding="utf-8")
    return path


# --- the shipped catalogue ----------------------------------------------------------------


def test_catalogue_has_the_four_checklists_in_review_order() -> None:
    catalogue = load_catalogue()

    assert [c.name for c in catalogue.checklists] == list(CHECKLIST_ORDER)
    assert [c.title for c in catalogue.checklists] == ["Image", "Build", "Runtime", "Operations"]
    assert all(c.description for c in catalogue.checklists)


@pytest.mark.parametrize("name", CHECKLIST_ORDER)
def test_checklist_items_ids_detectors_and_severities(name: str) -> None:
    checklist = next(c for c in load_catalogue().checklists if c.name == name)

    found = [(i.id, i.detector, i.severity.value) for i in checklist.items]

    assert found == EXPECTED_ITEMS[name]


def test_item_ids_are_unique_and_carry_their_checklist() -> None:
    items = load_catalogue().items

    ids = [item.id for item in items]
    assert len(ids) == len(set(ids))
    assert all(item.id.startswith(item.checklist + ".") for item in items)


def test_cis_references_are_well_formed() -> None:
    items = load_catalogue().items

    malformed = [(i.id, c) for i in items for c in i.references.cis if not CIS_NUMBER.match(c)]

    assert malformed == []
    for item_id, cis in EXPECTED_CIS.items():
        assert load_catalogue().item(item_id).references.cis == cis  # type: ignore[union-attr]


def test_every_item_has_the_texts_a_reviewer_reads() -> None:
    for item in load_catalogue().items:
        assert item.question.endswith("?"), item.id
        assert item.evidence, item.id
        assert 1 <= item.why.count(". ") + 1 <= 5, item.id
        assert all(link.startswith("https://") for link in item.references.links), item.id
        assert item.severity in Severity


def test_manual_items_name_no_detector_and_say_what_to_look_at() -> None:
    manual = [item for item in load_catalogue().items if not item.automatic]

    expected = [i for items in EXPECTED_ITEMS.values() for i, detector, _ in items if not detector]
    assert [item.id for item in manual] == expected
    assert all(len(item.evidence) > 40 for item in manual)


def test_every_named_detector_exists_and_every_detector_is_used() -> None:
    # Names what is missing first; then the registry's own check must agree.
    catalogue = load_catalogue()
    detectors = all_detectors()
    known = set(detectors) | set(live_detectors()) | set(DERIVED)

    missing = sorted({i.detector for i in catalogue.items if i.detector} - known)
    assert missing == [], f"checklist items name detectors that do not exist: {missing}"
    check_catalogue(catalogue, detectors)


# --- broken checklist files ---------------------------------------------------------------


def test_invalid_yaml_names_file_line_and_item(tmp_path: Path) -> None:
    body = VALID_ITEM.format(id="custom.one") + "  - id: custom.two\n    title: [unclosed\n"
    path = write_checklist(tmp_path, "custom", body + "    question: Q?\n")

    with pytest.raises(ChecklistError) as caught:
        load_file(path)

    message = str(caught.value)
    assert message.startswith(f"{path}:14: item custom.two: invalid YAML")


def test_missing_title_names_file_line_and_item(tmp_path: Path) -> None:
    body = VALID_ITEM.format(id="custom.one") + VALID_ITEM.format(id="custom.two").replace(
        "    title: A title\n", ""
    )
    path = write_checklist(tmp_path, "custom", body)

    with pytest.raises(ChecklistError, match=r"'title' is required text") as caught:
        load_file(path)

    assert str(caught.value).startswith(f"{path}:12: item custom.two:")


def test_bad_severity_names_file_line_and_item(tmp_path: Path) -> None:
    path = write_checklist(
        tmp_path, "custom", VALID_ITEM.format(id="custom.one").replace("high", "severe")
    )

    with pytest.raises(
        ChecklistError, match="severity must be one of low, medium, high, critical"
    ) as caught:
        load_file(path)

    assert str(caught.value).startswith(f"{path}:4: item custom.one:")


def test_duplicate_id_names_both_places(tmp_path: Path) -> None:
    body = VALID_ITEM.format(id="custom.one") * 2
    path = write_checklist(tmp_path, "custom", body)

    with pytest.raises(ChecklistError, match="id already used") as caught:
        load_catalogue([tmp_path])

    message = str(caught.value)
    assert message.startswith(f"{path}:12: item custom.one:")
    assert message.endswith(f"{path}:4")


def test_id_taken_from_a_shipped_checklist_is_refused(tmp_path: Path) -> None:
    write_checklist(tmp_path, "image", VALID_ITEM.format(id="image.signed"))

    with pytest.raises(ChecklistError, match="item image.signed: id already used in .*image"):
        load_catalogue([tmp_path])


def test_unknown_key_names_file_line_item_and_key(tmp_path: Path) -> None:
    item = VALID_ITEM.format(id="custom.one") + "    owner: someone\n"
    path = write_checklist(tmp_path, "custom", item)

    with pytest.raises(ChecklistError) as caught:
        load_file(path)

    assert str(caught.value) == f"{path}:4: item custom.one: unknown keys owner"


def test_item_without_detector_or_evidence_is_refused(tmp_path: Path) -> None:
    item = VALID_ITEM.format(id="custom.one").replace("    evidence: Look at the file.\n", "")
    path = write_checklist(tmp_path, "custom", item)

    with pytest.raises(ChecklistError) as caught:
        load_file(path)

    assert str(caught.value) == (
        f"{path}:4: item custom.one: an item without a detector needs 'evidence' text"
    )


def test_id_of_another_checklist_is_refused(tmp_path: Path) -> None:
    path = write_checklist(tmp_path, "custom", VALID_ITEM.format(id="build.one"))

    with pytest.raises(ChecklistError) as caught:
        load_file(path)

    assert str(caught.value) == f"{path}:4: item build.one: id must start with 'custom.'"


def test_unquoted_cis_number_is_refused(tmp_path: Path) -> None:
    # Read as a float, 5.10 would silently become 5.1, another recommendation.
    item = VALID_ITEM.format(id="custom.one") + "    references:\n      cis: [5.10]\n"
    path = write_checklist(tmp_path, "custom", item)

    with pytest.raises(ChecklistError) as caught:
        load_file(path)

    assert str(caught.value) == (
        f"{path}:4: item custom.one: references.cis numbers must be quoted strings"
    )


def test_extra_folder_items_join_their_checklist(tmp_path: Path) -> None:
    write_checklist(tmp_path, "runtime", VALID_ITEM.format(id="runtime.custom-rule"))

    catalogue = load_catalogue([tmp_path])

    runtime = next(c for c in catalogue.checklists if c.name == "runtime")
    assert runtime.items[-1].id == "runtime.custom-rule"
    assert runtime.items[0].id == "runtime.not-privileged"
    assert catalogue.item("runtime.custom-rule") is runtime.items[-1]
