"""Live image detectors: the rig's images on a real engine, and hand-written image config
and history for the forms the rig cannot build (BuildKit history, imported bases)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import engine_rig
import live_helpers
import pytest

from reviewtui.detect.live_checks.image_config import DETECTORS, history_steps, image_user
from reviewtui.live import LiveSettings, read_engines
from reviewtui.live.facts import EngineFacts, ImageFacts
from reviewtui.live.hosts import Endpoint
from reviewtui.model import Finding, Status
from reviewtui.project.facts import ProjectFacts

PLANTED = (engine_rig.PLANTED_PASSWORD, engine_rig.PLANTED_TOKEN, engine_rig.PLANTED_BUILD_ARG)
ENDPOINT = Endpoint("h", "unix:///var/run/docker.sock", "the default context")


@pytest.fixture(scope="module")
def rig_facts(live_rig: engine_rig.Rig, tmp_path_factory: pytest.TempPathFactory) -> ProjectFacts:
    return live_helpers.read_rig(tmp_path_factory, "images", all_images=True)


def _by_image(facts: ProjectFacts, detector: str) -> dict[str, Finding]:
    return {finding.target.name: finding for finding in DETECTORS[detector](facts)}


def _history_index(image: str, needle: str) -> int:
    """Where the engine's own ``docker history`` lists the step holding ``needle``."""
    lines = engine_rig.docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", image)
    return next(i for i, line in enumerate(lines.splitlines()) if needle in line)


def _image(config: dict[str, Any], *created_by: str, os: str = "linux") -> ImageFacts:
    """An image with this config and history (given newest first, as the engine does)."""
    data = {"Id": "sha256:" + "ab" * 32, "RepoTags": ["demo:1"], "Os": os, "Config": config}
    return ImageFacts("h", data, [{"CreatedBy": text} for text in created_by])


def _judge(detector: str, image: ImageFacts) -> Finding:
    engine = EngineFacts(ENDPOINT, "2026-01-01T00:00:00Z", info={"ID": "x"})
    engine.images = {image.id: image}
    (finding,) = DETECTORS[detector](ProjectFacts(root=Path("."), engines=[engine]))
    return finding


# -- the rig's images ---------------------------------------------------------------------


def test_final_user_of_the_rig_images(rig_facts: ProjectFacts) -> None:
    found = _by_image(rig_facts, "final_user")

    weak = found[engine_rig.WEAK_IMAGE]
    assert weak.status is Status.FAIL
    assert weak.reason == "Config.User is empty: the image runs as root"
    assert live_helpers.cited(weak) == [("Config.User", '""')]
    hardened = found[engine_rig.HARDENED_IMAGE]
    assert (hardened.status, hardened.reason) == (Status.PASS, "runs as 1000 (Config.User)")
    assert live_helpers.cited(hardened) == [("Config.User", "1000")]
    assert hardened.evidence[0].path == f"default: image {engine_rig.HARDENED_IMAGE}"
    assert hardened.target.path == "engine default"
    assert found[engine_rig.BASE_IMAGE].status is Status.FAIL


def test_healthcheck_of_the_rig_images(rig_facts: ProjectFacts) -> None:
    found = _by_image(rig_facts, "healthcheck")

    hardened = found[engine_rig.HARDENED_IMAGE]
    assert (hardened.status, hardened.reason) == (Status.PASS, "the image defines a health check")
    assert live_helpers.cited(hardened) == [("Config.Healthcheck.Test", '["CMD", "/bin/true"]')]
    weak = found[engine_rig.WEAK_IMAGE]
    assert weak.status is Status.FAIL
    assert weak.reason == "Config.Healthcheck is not set: the image defines no health check"
    assert live_helpers.cited(weak) == [("Config.Healthcheck", "null")]


def test_exposed_ports_of_the_rig_images(rig_facts: ProjectFacts) -> None:
    found = _by_image(rig_facts, "exposed_ports")

    weak = found[engine_rig.WEAK_IMAGE]
    assert weak.status is Status.FAIL
    assert weak.reason.startswith("Config.ExposedPorts lists 22/tcp, SSH's port")
    assert live_helpers.cited(weak) == [("Config.ExposedPorts", "22/tcp")]
    hardened = found[engine_rig.HARDENED_IMAGE]
    assert (hardened.status, hardened.reason) == (
        Status.NOT_APPLICABLE,
        "the image exposes no port",
    )


def test_secrets_in_the_weak_image_config_and_history(rig_facts: ProjectFacts) -> None:
    found = _by_image(rig_facts, "secrets_in_arg_env")

    weak = found[engine_rig.WEAK_IMAGE]
    assert weak.status is Status.FAIL
    assert weak.reason == (
        "Config.Env sets GITHUB_TOKEN, a secret-looking name, in every container of the "
        "image (and 2 more)"
    )
    fields = live_helpers.cited(weak)
    assert fields[0] == ("Config.Env", "GITHUB_TOKEN=****")
    arg = _history_index(engine_rig.WEAK_IMAGE, "ARG NPM_TOKEN")
    run = _history_index(engine_rig.WEAK_IMAGE, "apt-get update")
    assert (f"History[{arg}].CreatedBy", "/bin/sh -c #(nop)  ARG NPM_TOKEN=****") in fields
    assert (
        f"History[{run}].CreatedBy",
        "|1 NPM_TOKEN=**** /bin/sh -c apt-get update || true",
    ) in fields
    hardened = found[engine_rig.HARDENED_IMAGE]
    assert hardened.status is Status.PASS
    assert hardened.evidence[0].field == "Config.Env"


def test_add_in_the_weak_image_history_is_left_to_a_person(rig_facts: ProjectFacts) -> None:
    found = _by_image(rig_facts, "copy_not_add")

    weak = found[engine_rig.WEAK_IMAGE]
    index = _history_index(engine_rig.WEAK_IMAGE, "ADD file:")
    assert weak.status is Status.UNKNOWN
    assert weak.reason.startswith(f"History[{index}]: ADD put a file at /hello.txt; the history")
    assert weak.evidence[0].field == f"History[{index}].CreatedBy"
    assert weak.evidence[0].snippet.endswith("in /hello.txt")
    hardened = found[engine_rig.HARDENED_IMAGE]
    assert (hardened.status, hardened.reason) == (Status.PASS, "no ADD in the history")
    assert live_helpers.cited(hardened) == [("History", "4 steps, none of them ADD")]


def test_package_index_update_in_the_weak_image(rig_facts: ProjectFacts) -> None:
    found = _by_image(rig_facts, "package_index_update")

    weak = found[engine_rig.WEAK_IMAGE]
    index = _history_index(engine_rig.WEAK_IMAGE, "apt-get update")
    assert weak.status is Status.FAIL
    assert weak.reason == f"History[{index}] runs apt-get update without installing anything"
    assert live_helpers.cited(weak) == [
        (f"History[{index}].CreatedBy", "|1 NPM_TOKEN=**** /bin/sh -c apt-get update || true")
    ]
    assert found[engine_rig.HARDENED_IMAGE].status is Status.NOT_APPLICABLE


def test_sudo_in_the_weak_image(rig_facts: ProjectFacts) -> None:
    found = _by_image(rig_facts, "sudo_usage")

    weak = found[engine_rig.WEAK_IMAGE]
    index = _history_index(engine_rig.WEAK_IMAGE, "sudo true")
    assert weak.status is Status.FAIL
    assert weak.reason == f"History[{index}] runs true through sudo"
    assert weak.evidence[0].field == f"History[{index}].CreatedBy"
    hardened = found[engine_rig.HARDENED_IMAGE]
    assert (hardened.status, hardened.reason) == (
        Status.PASS,
        "no step of the history installs or runs sudo",
    )


def test_planted_secrets_appear_in_no_reason_or_snippet(rig_facts: ProjectFacts) -> None:
    for detector in DETECTORS.values():
        for finding in detector(rig_facts):
            texts = [finding.reason] + [e.snippet for e in finding.evidence]
            for text in texts:
                assert not any(secret in text for secret in PLANTED), (finding.target, text)


# -- the user and the health check, by hand --------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [
        (None, Status.FAIL),
        ("", Status.FAIL),
        ("root", Status.FAIL),
        ("0", Status.FAIL),
        ("0:0", Status.FAIL),
        ("root:x", Status.FAIL),
        ("ROOT", Status.FAIL),
        ("1000:1000", Status.PASS),
        ("nobody", Status.PASS),
    ],
)
def test_root_user_forms(user: str | None, status: Status) -> None:
    finding = _judge("final_user", _image({"User": user}))

    assert finding.status is status
    assert finding.evidence[0].field == "Config.User"


def test_windows_image_without_user_is_left_to_a_person() -> None:
    status, reason = image_user(_image({"User": ""}, os="windows"))

    assert status is Status.UNKNOWN
    assert "ContainerUser on Nano Server" in reason


def test_healthcheck_none_and_shell_form() -> None:
    off = _judge("healthcheck", _image({"Healthcheck": {"Test": ["NONE"]}}))
    shell = _judge("healthcheck", _image({"Healthcheck": {"Test": ["CMD-SHELL", "true"]}}))

    assert (off.status, off.reason) == (
        Status.FAIL,
        'Config.Healthcheck.Test is ["NONE"]: the health check is turned off',
    )
    assert shell.status is Status.PASS


def test_ssh_port_in_any_protocol_and_other_ports() -> None:
    udp = _judge("exposed_ports", _image({"ExposedPorts": {"22/udp": {}, "80/tcp": {}}}))
    web = _judge("exposed_ports", _image({"ExposedPorts": {"80/tcp": {}, "443/tcp": {}}}))

    assert udp.status is Status.FAIL
    assert live_helpers.cited(udp) == [("Config.ExposedPorts", "22/udp")]
    assert (web.status, web.reason) == (Status.PASS, "exposes 80/tcp, 443/tcp, not SSH's port 22")


# -- reading the history ---------------------------------------------------------------------


def test_history_forms_of_both_builders() -> None:
    image = _image(
        {},
        "RUN |2 A=1 NPM_TOKEN=x /bin/sh -c npm ci # buildkit",
        "ENV K=V",
        "cmd /S /C #(nop)  ENV WIN=1",
        "/bin/bash -o pipefail -c curl -s x | sh",
        "|1 B=2 apt-get update",
        "",
    )

    steps = history_steps(image)

    assert [(s.keyword, s.index) for s in steps] == [
        ("RUN", 0),
        ("ENV", 1),
        ("ENV", 2),
        ("RUN", 3),
        ("RUN", 4),
        ("", 5),
    ]
    assert steps[0].build_args == (("A", "1"), ("NPM_TOKEN", "x"))
    assert steps[0].script == "npm ci"
    assert steps[2].text == "WIN=1"
    assert steps[3].script == "curl -s x | sh"
    assert (steps[4].build_args, steps[4].script) == ((("B", "2"),), "apt-get update")


def test_buildkit_secrets_in_env_arg_and_build_arguments() -> None:
    token = "ghp_" + "A1b2" * 9
    image = _image(
        {"Env": ["PATH=/bin", "PASSWORD_FILE=/run/secrets/db", "DB_PASSWORD="]},
        "RUN |1 DEPLOY_KEY=abcdef123 /bin/sh -c make # buildkit",
        f"ENV HARMLESS={token}",
        "ARG DB_PASSWORD=swordfish1",
        "ARG API_TOKEN",
    )

    finding = _judge("secrets_in_arg_env", image)

    assert finding.status is Status.FAIL
    assert finding.reason == (
        "History[2] records the default of ARG DB_PASSWORD, a secret-looking name (and 2 more)"
    )
    assert [e.field for e in finding.evidence] == [
        "History[2].CreatedBy",
        "History[1].CreatedBy",
        "History[0].CreatedBy",
    ]
    assert [e.snippet for e in finding.evidence] == [
        "ARG DB_PASSWORD=****",
        "ENV HARMLESS=****",
        "RUN |1 DEPLOY_KEY=**** /bin/sh -c make # buildkit",
    ]


def test_empty_and_file_valued_secrets_pass() -> None:
    image = _image({"Env": ["PASSWORD_FILE=/run/secrets/db", "DB_PASSWORD="]}, "ARG API_TOKEN")

    assert _judge("secrets_in_arg_env", image).status is Status.PASS


# -- ADD ---------------------------------------------------------------------------------------


def test_base_root_filesystem_add_is_not_counted() -> None:
    image = _image({}, '/bin/sh -c #(nop)  CMD ["bash"]', "/bin/sh -c #(nop) ADD file:ab12 in / ")

    finding = _judge("copy_not_add", image)

    assert finding.status is Status.PASS
    assert finding.reason.startswith("the only ADD is the base image's root filesystem")
    assert finding.evidence[0].field == "History[1].CreatedBy"


def test_add_to_root_over_an_imported_base_counts() -> None:
    image = _image({}, "/bin/sh -c #(nop) ADD file:ab12 in / ", "")

    finding = _judge("copy_not_add", image)

    assert finding.status is Status.UNKNOWN
    assert finding.reason.startswith("History[0]: ADD put a file at /;")


def test_add_of_a_folder_fails_and_buildkit_sources_are_judged() -> None:
    folder = _image({}, "/bin/sh -c #(nop) ADD dir:cd34 in /srv/ ")
    url = _image({}, "ADD https://example.com/tool.tar.gz /opt/ # buildkit")
    checked = _image({}, "ADD --checksum=sha256:ab https://example.com/t /opt/t # buildkit")
    local = _image({}, "ADD app.py /srv/ # buildkit")
    archive = _image({}, "COPY . /srv # buildkit", "ADD rootfs.tar.xz /srv/ # buildkit")

    assert _judge("copy_not_add", folder).reason.startswith(
        "History[0]: ADD copies a folder to /srv/; COPY does the same"
    )
    assert _judge("copy_not_add", url).reason == (
        "History[0]: ADD downloads https://example.com/tool.tar.gz without --checksum: the "
        "download is not verified"
    )
    assert _judge("copy_not_add", checked).reason.startswith(
        "History[0]: ADD downloads https://example.com/t; use curl or wget"
    )
    assert _judge("copy_not_add", local).status is Status.FAIL
    unpacked = _judge("copy_not_add", archive)
    assert (unpacked.status, unpacked.reason) == (
        Status.PASS,
        "ADD only unpacks local archives (rootfs.tar.xz), which COPY cannot",
    )


# -- RUN steps ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("created_by", "status"),
    [
        ("/bin/sh -c apt-get update && apt-get install -y curl", Status.PASS),
        ("RUN /bin/sh -c apk update # buildkit", Status.FAIL),
        ("apt-get update", Status.FAIL),
        ("/bin/sh -c apt-get update && ./install.sh", Status.PASS),
        ("/bin/sh -c update-ca-certificates", Status.NOT_APPLICABLE),
        ("/bin/sh -c apk add --update curl", Status.NOT_APPLICABLE),
    ],
)
def test_index_updates(created_by: str, status: Status) -> None:
    assert _judge("package_index_update", _image({}, created_by)).status is status


@pytest.mark.parametrize(
    ("created_by", "reason"),
    [
        ("/bin/sh -c sudo -u app id", "History[0] runs id through sudo"),
        (
            "/bin/sh -c apt-get install -y sudo=1.9.13",
            "History[0] installs sudo, a way back to root",
        ),
        (
            "/bin/sh -c echo 'app ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers",
            "History[0] grants passwordless sudo (NOPASSWD)",
        ),
    ],
)
def test_sudo_forms(created_by: str, reason: str) -> None:
    finding = _judge("sudo_usage", _image({}, created_by))

    assert (finding.status, finding.reason) == (Status.FAIL, reason)


def test_image_without_history_is_left_to_a_person() -> None:
    for detector in ("copy_not_add", "package_index_update", "sudo_usage"):
        finding = _judge(detector, _image({}))
        assert finding.status is Status.UNKNOWN, detector
        assert live_helpers.cited(finding) == [("History", "none")]


def test_packages_named_like_sudo_pass() -> None:
    image = _image({}, "/bin/sh -c apt-get install -y sudo-ldap-tools pseudo")

    assert _judge("sudo_usage", image).status is Status.PASS


# -- CMD, ENTRYPOINT and WORKDIR --------------------------------------------------------------

SHELL_FORM_IMAGE = f"reviewtui-test/shellform:{engine_rig.RUN}"
SHELL_FORM_DOCKERFILE = f"""\
FROM {engine_rig.BASE_IMAGE}
LABEL reviewtui.test=1
WORKDIR /boot/app
CMD sleep 3600
"""


@pytest.fixture(scope="module")
def shell_form_facts(
    live_rig: engine_rig.Rig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectFacts]:
    """The engine read with an image of this module's own: a shell-form CMD and a WORKDIR
    in the system folder /boot."""
    context = tmp_path_factory.mktemp("shell-form")
    (context / "Dockerfile").write_text(SHELL_FORM_DOCKERFILE)
    try:
        engine_rig.docker("build", "-q", "-t", SHELL_FORM_IMAGE, str(context))
        (engine,) = read_engines(LiveSettings(all_containers=True, all_images=True))
        assert engine.error is None, engine.error
        yield ProjectFacts(root=context, engines=[engine])
    finally:
        engine_rig.docker("rmi", "-f", SHELL_FORM_IMAGE, check=False)


def test_exec_form_of_the_rig_images(shell_form_facts: ProjectFacts) -> None:
    found = _by_image(shell_form_facts, "exec_form")

    for image in (engine_rig.HARDENED_IMAGE, engine_rig.WEAK_IMAGE):
        assert (found[image].status, found[image].reason) == (
            Status.PASS,
            "the program starts in exec form",
        )
        assert live_helpers.cited(found[image]) == [("Config.Cmd", '["sleep", "3600"]')]
    shell = found[SHELL_FORM_IMAGE]
    assert (shell.status, shell.reason) == (
        Status.FAIL,
        "Config.Cmd is in shell form: the program runs under /bin/sh -c and may not get SIGTERM",
    )
    assert live_helpers.cited(shell) == [("Config.Cmd", '["/bin/sh", "-c", "sleep 3600"]')]
    assert shell.evidence[0].path == f"default: image {SHELL_FORM_IMAGE}"
    base = found[engine_rig.BASE_IMAGE]
    assert (base.status, base.reason) == (
        Status.NOT_APPLICABLE,
        "Config.Entrypoint and Config.Cmd are empty: the image names no program",
    )
    assert live_helpers.cited(base) == [("Config.Entrypoint", "null"), ("Config.Cmd", "null")]


def test_workdir_paths_of_the_rig_images(shell_form_facts: ProjectFacts) -> None:
    found = _by_image(shell_form_facts, "workdir_paths")

    boot = found[SHELL_FORM_IMAGE]
    assert boot.status is Status.FAIL
    assert boot.reason == (
        "Config.WorkingDir: WORKDIR /boot/app is inside the system folder /boot (and 1 more)"
    )
    index = _history_index(SHELL_FORM_IMAGE, "WORKDIR")
    assert live_helpers.cited(boot) == [
        ("Config.WorkingDir", "/boot/app"),
        (f"History[{index}].CreatedBy", "/bin/sh -c #(nop) WORKDIR /boot/app"),
    ]
    for image in (engine_rig.HARDENED_IMAGE, engine_rig.BASE_IMAGE):
        assert (found[image].status, found[image].reason) == (
            Status.NOT_APPLICABLE,
            "Config.WorkingDir is empty and the history has no WORKDIR: containers start in /",
        )
        assert live_helpers.cited(found[image]) == [("Config.WorkingDir", '""')]


@pytest.mark.parametrize(
    ("config", "status", "reason"),
    [
        (
            {"Entrypoint": ["/bin/sh", "-c", "server --port 80"], "Cmd": ["x"]},
            Status.FAIL,
            "Config.Entrypoint is in shell form: the program runs under /bin/sh -c and does "
            "not get SIGTERM",
        ),
        (
            # A shell-form entrypoint ignores the command, and exec hands over to the program.
            {"Entrypoint": ["/bin/sh", "-c", "exec server"], "Cmd": ["/bin/sh", "-c", "x"]},
            Status.PASS,
            "the program starts in exec form",
        ),
        (
            {"Entrypoint": ["tini", "--"], "Cmd": ["/bin/sh", "-c", "server"]},
            Status.FAIL,
            "Config.Cmd is in shell form: the program runs under /bin/sh -c and may not get "
            "SIGTERM",
        ),
        (
            {
                "Shell": ["/bin/bash", "-o", "pipefail", "-c"],
                "Cmd": ["/bin/bash", "-o", "pipefail", "-c", "app"],
            },
            Status.FAIL,
            "Config.Cmd is in shell form: the program runs under /bin/bash -o pipefail -c and "
            "may not get SIGTERM",
        ),
        (
            {"Cmd": ["/bin/sh", "-c", "exec app"]},
            Status.PASS,
            "the program starts in exec form",
        ),
        (
            {"Cmd": ["/bin/sh", "-c"]},  # the shell itself with no script: exec form
            Status.PASS,
            "the program starts in exec form",
        ),
    ],
)
def test_exec_form_forms(config: dict[str, Any], status: Status, reason: str) -> None:
    finding = _judge("exec_form", _image(config))

    assert (finding.status, finding.reason) == (status, reason)


def test_exec_form_of_a_windows_image() -> None:
    image = _image({"Cmd": ["cmd", "/S", "/C", "app.exe"]}, os="windows")

    finding = _judge("exec_form", image)

    assert (finding.status, finding.reason) == (
        Status.FAIL,
        "Config.Cmd is in shell form: the program runs under cmd /S /C and may not get SIGTERM",
    )


@pytest.mark.parametrize(
    ("working_dir", "history", "status", "reason"),
    [
        (
            "/srv/app",
            (),
            Status.PASS,
            "every working directory is an absolute path outside system folders",
        ),
        (
            "/proc/app",
            (),
            Status.FAIL,
            "Config.WorkingDir: WORKDIR /proc/app is inside the system folder /proc",
        ),
        (
            "",
            ("WORKDIR app # buildkit", "WORKDIR /srv # buildkit"),
            Status.FAIL,
            "History[0]: WORKDIR app is relative, so it depends on the base image's folder",
        ),
        (
            "C:\\app",
            (),
            Status.PASS,
            "every working directory is an absolute path outside system folders",
        ),
    ],
)
def test_workdir_forms(
    working_dir: str, history: tuple[str, ...], status: Status, reason: str
) -> None:
    finding = _judge("workdir_paths", _image({"WorkingDir": working_dir}, *history))

    assert (finding.status, finding.reason) == (status, reason)
    assert finding.evidence
