"""Runtime detectors over compose services: statuses, reasons and evidence lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.checklists import load_catalogue
from reviewtui.detect import compose_checks
from reviewtui.detect.engine import detect
from reviewtui.model import Finding, Status
from reviewtui.project import read_project
from reviewtui.project.facts import ProjectFacts


def project(root: Path, compose: str, **files: str) -> ProjectFacts:
    (root / "compose.yaml").write_text(compose)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return read_project(root)


def findings(name: str, facts: ProjectFacts) -> dict[str, Finding]:
    return {f.target.name: f for f in compose_checks.DETECTORS[name](facts)}


def one(name: str, root: Path, service_body: str, **files: str) -> Finding:
    """The finding for a lone service ``app`` whose body is given, indented by 4."""
    body = "".join(f"    {line}\n" for line in service_body.splitlines())
    facts = project(root, f"services:\n  app:\n    image: app:1.0\n{body}", **files)
    return findings(name, facts)["app"]


def lines(finding: Finding) -> list[int | None]:
    return [evidence.line for evidence in finding.evidence]


# --- privileged, capabilities, socket, read-only -----------------------------------------


def test_privileged(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        """\
services:
  a:
    image: x
    privileged: true
  b:
    image: x
    privileged: "${PRIV:-false}"
  c:
    image: x
""",
    )
    result = findings("privileged", facts)
    assert result["a"].status is Status.FAIL and lines(result["a"]) == [4]
    assert result["b"].status is Status.PASS and lines(result["b"]) == [7]
    assert result["c"].status is Status.PASS and lines(result["c"]) == [8]
    assert result["a"].target.path == "compose.yaml"


@pytest.mark.parametrize(
    ("body", "status", "reason", "evidence"),
    [
        (
            "cap_drop: [all]\ncap_add: [cap_net_bind_service]",
            Status.PASS,
            "drops ALL and adds back only NET_BIND_SERVICE",
            [4],
        ),
        ("cap_drop:\n  - CAP_ALL", Status.PASS, "drops ALL capabilities", [5]),
        (
            "cap_drop: [NET_RAW]",
            Status.FAIL,
            "cap_drop does not drop ALL: the engine's 14 default "
            "capabilities stay, NET_RAW among them",
            [4],
        ),
        (
            "",
            Status.FAIL,
            "cap_drop does not drop ALL: the engine's 14 default capabilities stay, "
            "NET_RAW among them",
            [2],
        ),
        (
            "cap_drop: [ALL]\ncap_add:\n  - SYS_ADMIN\n  - CHOWN\n  - net_admin",
            Status.FAIL,
            "cap_add grants SYS_ADMIN, NET_ADMIN: SYS_ADMIN allows mounts and "
            "namespace changes, close to root on the host",
            [6, 8],
        ),
        (
            "cap_drop: [ALL]\ncap_add: [NET_RAW]",
            Status.FAIL,
            "drops ALL but adds back NET_RAW",
            [5],
        ),
        (
            "privileged: true\ncap_drop: [ALL]",
            Status.FAIL,
            "privileged: the container holds every capability whatever cap_drop says",
            [4],
        ),
    ],
)
def test_cap_drop_all(
    tmp_path: Path, body: str, status: Status, reason: str, evidence: list[int]
) -> None:
    finding = one("cap_drop_all", tmp_path, body)
    assert (finding.status, finding.reason, lines(finding)) == (status, reason, evidence)


@pytest.mark.parametrize(
    ("volume", "status"),
    [
        ("/var/run/docker.sock:/var/run/docker.sock:ro", Status.FAIL),
        ("/run/docker.sock:/var/run/docker.sock", Status.FAIL),
        ("${XDG_RUNTIME_DIR}/docker.sock:/var/run/docker.sock", Status.FAIL),
        ("/run/user/1000/docker.sock:/var/run/docker.sock", Status.FAIL),
        ("/var/run:/host/run", Status.FAIL),
        ("/run/:/host/run", Status.FAIL),
        ("/:/host", Status.FAIL),
        ("${DOCKER_SOCKET}:/var/run/docker.sock", Status.FAIL),
        ("\\\\.\\pipe\\docker_engine:\\\\.\\pipe\\docker_engine", Status.FAIL),
        ("./docker.sock.d:/etc/conf", Status.PASS),
        ("/var/run/app:/var/run/app", Status.PASS),
        ("socket-volume:/var/run", Status.PASS),
    ],
)
def test_docker_socket(tmp_path: Path, volume: str, status: Status) -> None:
    finding = one("docker_socket", tmp_path, f"volumes:\n  - '{volume}'")
    assert finding.status is status, finding.reason
    assert lines(finding) == ([5] if status is Status.FAIL else [4])


def test_docker_socket_long_syntax(tmp_path: Path) -> None:
    finding = one(
        "docker_socket",
        tmp_path,
        """\
volumes:
  - type: bind
    source: /var/run/docker.sock
    target: /var/run/docker.sock
    read_only: true""",
    )
    assert finding.status is Status.FAIL
    assert finding.reason == (
        "mounts the Docker socket (/var/run/docker.sock): access to it is root on the host"
    )
    assert lines(finding) == [6]


def test_read_only_rootfs(tmp_path: Path) -> None:
    passing = one("read_only_rootfs", tmp_path, "read_only: true")
    assert passing.status is Status.PASS and lines(passing) == [4]
    failing = one("read_only_rootfs", tmp_path, "read_only: false")
    assert failing.status is Status.FAIL and "tmpfs" in failing.reason


# --- security_opt ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "status"),
    [
        ("no-new-privileges:true", Status.PASS),
        ("no-new-privileges=true", Status.PASS),
        ("no-new-privileges", Status.PASS),
        ("no-new-privileges:false", Status.FAIL),
        ("seccomp:unconfined", Status.FAIL),
    ],
)
def test_no_new_privileges(tmp_path: Path, option: str, status: Status) -> None:
    finding = one("no_new_privileges", tmp_path, f"security_opt:\n  - {option}")
    assert finding.status is status
    assert lines(finding) == ([5] if option.startswith("no-new") else [4])


def test_no_new_privileges_from_the_daemon(tmp_path: Path) -> None:
    finding = one(
        "no_new_privileges",
        tmp_path,
        "",
        **{"host/daemon.json": '{\n  "no-new-privileges": true\n}\n'},
    )
    assert finding.status is Status.PASS
    assert [(e.path, e.line) for e in finding.evidence] == [("host/daemon.json", 2)]


@pytest.mark.parametrize(
    ("options", "status", "evidence"),
    [
        ([], Status.PASS, [2]),
        (["seccomp=/etc/profile.json", "apparmor=my-profile"], Status.PASS, [4]),
        (["seccomp:unconfined"], Status.FAIL, [5]),
        (["seccomp=unconfined", "apparmor:unconfined"], Status.FAIL, [5, 6]),
        (["label=disable"], Status.FAIL, [5]),
        (["label:disable"], Status.FAIL, [5]),
        (["label:type:container_t"], Status.PASS, [4]),
    ],
)
def test_security_profiles(
    tmp_path: Path, options: list[str], status: Status, evidence: list[int]
) -> None:
    body = "security_opt:\n" + "".join(f"  - {o}\n" for o in options) if options else ""
    finding = one("security_profiles", tmp_path, body)
    assert (finding.status, lines(finding)) == (status, evidence), finding.reason


def test_security_profiles_privileged_disables_them(tmp_path: Path) -> None:
    finding = one("security_profiles", tmp_path, "privileged: true")
    assert finding.status is Status.FAIL
    assert finding.reason == "privileged: seccomp and AppArmor do not apply"


# --- limits ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "body", "status", "evidence"),
    [
        ("memory_limit", "mem_limit: 512m", Status.PASS, [4]),
        ("memory_limit", "mem_limit: 1073741824", Status.PASS, [4]),
        ("memory_limit", "deploy:\n  resources:\n    limits:\n      memory: 1G", Status.PASS, [7]),
        (
            "memory_limit",
            "deploy:\n  resources:\n    reservations:\n      memory: 1G",
            Status.FAIL,
            [5],
        ),
        ("memory_limit", "mem_limit: 0", Status.FAIL, [4]),
        ("memory_limit", "mem_limit: ${MEM}", Status.UNKNOWN, [4]),
        ("memory_limit", "", Status.FAIL, [2]),
        ("cpu_limit", "cpus: 1.5", Status.PASS, [4]),
        ("cpu_limit", "cpu_quota: 50000", Status.PASS, [4]),
        ("cpu_limit", "deploy:\n  resources:\n    limits:\n      cpus: '0.25'", Status.PASS, [7]),
        ("cpu_limit", "cpu_shares: 512", Status.FAIL, [4]),
        ("cpu_limit", "cpus: 0", Status.FAIL, [4]),
        ("pids_limit", "pids_limit: 100", Status.PASS, [4]),
        ("pids_limit", "deploy:\n  resources:\n    limits:\n      pids: 50", Status.PASS, [7]),
        ("pids_limit", "pids_limit: -1", Status.FAIL, [4]),
        ("pids_limit", "pids_limit: 0", Status.FAIL, [4]),
        ("pids_limit", "", Status.FAIL, [2]),
    ],
)
def test_limits(tmp_path: Path, name: str, body: str, status: Status, evidence: list[int]) -> None:
    finding = one(name, tmp_path, body)
    assert (finding.status, lines(finding)) == (status, evidence), finding.reason


def test_cpu_shares_reason_says_it_is_no_limit(tmp_path: Path) -> None:
    finding = one("cpu_limit", tmp_path, "cpu_shares: 512")
    assert finding.reason == (
        "no CPU limit: cpu_shares only weighs busy containers against each other"
    )


# --- user --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("root", Status.FAIL),
        ('"0"', Status.FAIL),
        ('"0:0"', Status.FAIL),
        ("root:root", Status.FAIL),
        ("0:1000", Status.FAIL),
        ('"1000"', Status.PASS),
        ("1000:1000", Status.PASS),
        ("nobody", Status.PASS),
        ("10001", Status.PASS),
        ('"${UID}:${GID}"', Status.UNKNOWN),
    ],
)
def test_runtime_user_explicit(tmp_path: Path, user: str, status: Status) -> None:
    finding = one("runtime_user", tmp_path, f"user: {user}")
    assert finding.status is status, finding.reason
    assert lines(finding) == [4]


def test_runtime_user_image_only_is_unknown(tmp_path: Path) -> None:
    finding = one("runtime_user", tmp_path, "")
    assert finding.status is Status.UNKNOWN
    assert finding.reason == "no user: and no build: the image's default user decides; check it"


@pytest.mark.parametrize(
    ("dockerfile", "status", "user_line"),
    [
        ("FROM alpine:3.20\nRUN adduser -D app\nUSER app\n", Status.PASS, 3),
        ("FROM alpine:3.20\nUSER app\nUSER 0\n", Status.FAIL, 3),
        ("FROM alpine:3.20\nRUN true\n", Status.FAIL, None),
    ],
)
def test_runtime_user_from_the_dockerfile(
    tmp_path: Path, dockerfile: str, status: Status, user_line: int | None
) -> None:
    facts = project(
        tmp_path,
        """\
services:
  app:
    build:
      context: ./src
      dockerfile: docker/Dockerfile
""",
        **{"src/docker/Dockerfile": dockerfile},
    )
    finding = findings("runtime_user", facts)["app"]
    assert finding.status is status, finding.reason
    where = [(e.path, e.line) for e in finding.evidence]
    if user_line is None:
        assert where == [("src/docker/Dockerfile", 1), ("compose.yaml", 3)]
    else:
        assert where == [("src/docker/Dockerfile", user_line), ("compose.yaml", 3)]


_MULTI_STAGE = """\
FROM golang:1.22 AS build
WORKDIR /src
RUN go build -o /app .

FROM build AS debug
USER 1000

FROM gcr.io/distroless/static:nonroot
COPY --from=build /app /app
USER 65532:65532
"""


def target_user(root: Path, target: str) -> Finding:
    """The runtime_user finding for a service building ``_MULTI_STAGE`` at ``target``."""
    compose = f"services:\n  app:\n    build:\n      context: .\n      target: {target}\n"
    facts = project(root, compose, Dockerfile=_MULTI_STAGE)
    return findings("runtime_user", facts)["app"]


def test_runtime_user_judges_the_build_target_not_the_final_stage(tmp_path: Path) -> None:
    finding = target_user(tmp_path, "build")
    assert finding.status is Status.FAIL
    assert finding.reason == (
        "no user: and target stage build of Dockerfile sets no USER, so the base image's "
        "user (usually root) applies"
    )
    assert [(e.path, e.line, e.snippet) for e in finding.evidence] == [
        ("Dockerfile", 1, "FROM golang:1.22 AS build"),
        ("compose.yaml", 5, "target: build"),
    ]


def test_runtime_user_build_target_follows_its_from_chain(tmp_path: Path) -> None:
    finding = target_user(tmp_path, "debug")
    assert finding.status is Status.PASS
    assert finding.reason == "runs as 1000: the last USER of target stage debug of Dockerfile"
    assert lines(finding) == [6, 5]


def test_runtime_user_build_target_unknown_stage(tmp_path: Path) -> None:
    finding = target_user(tmp_path, "nope")
    assert finding.status is Status.UNKNOWN
    assert "Dockerfile has no stage nope" in finding.reason


def test_runtime_user_without_target_judges_the_final_stage(tmp_path: Path) -> None:
    facts = project(tmp_path, "services:\n  app:\n    build: .\n", Dockerfile=_MULTI_STAGE)
    finding = findings("runtime_user", facts)["app"]
    assert finding.status is Status.PASS
    assert finding.reason == "runs as 65532:65532: the last USER of Dockerfile"
    assert lines(finding) == [10, 3]


def test_runtime_user_dockerfile_missing_is_unknown(tmp_path: Path) -> None:
    finding = one("runtime_user", tmp_path, "build: ./nowhere")
    assert finding.status is Status.UNKNOWN
    assert "nowhere/Dockerfile" in finding.reason


# --- namespaces, ports, networks ---------------------------------------------------------


def test_host_namespaces_names_each(tmp_path: Path) -> None:
    finding = one(
        "host_namespaces",
        tmp_path,
        "network_mode: host\npid: host\nipc: host\nuts: host\nuserns_mode: host",
    )
    assert finding.status is Status.FAIL
    assert finding.reason == (
        "shares the host's namespaces: network_mode: host, pid: host, "
        "ipc: host, uts: host, userns_mode: host"
    )
    assert lines(finding) == [4, 5, 6, 7, 8]


def test_host_namespaces_sharing_a_service_is_fine(tmp_path: Path) -> None:
    finding = one("host_namespaces", tmp_path, "pid: 'service:db'\nipc: shareable")
    assert finding.status is Status.PASS


@pytest.mark.parametrize(
    ("ports", "status"),
    [
        (['"127.0.0.1:8080:80"', '"[::1]:8443:443"', '"::1:9000:9000"'], Status.PASS),
        (['"10.0.0.5:80:80"'], Status.PASS),
        (['"8080:80"'], Status.FAIL),
        (['"80"'], Status.FAIL),
        (['"0.0.0.0:80:80"'], Status.FAIL),
        (['"[::]:80:80"'], Status.FAIL),
        (['"127.0.0.1:80:80"', '"443:443"'], Status.FAIL),
    ],
)
def test_port_bindings_short(tmp_path: Path, ports: list[str], status: Status) -> None:
    body = "ports:\n" + "".join(f"  - {p}\n" for p in ports)
    finding = one("port_bindings", tmp_path, body)
    assert finding.status is status, finding.reason


def test_port_bindings_long_syntax_host_ip_is_not_a_false_positive(tmp_path: Path) -> None:
    finding = one(
        "port_bindings",
        tmp_path,
        """\
ports:
  - target: 80
    published: 8080
    host_ip: 127.0.0.1
  - target: 443
    published: "8443"
    host_ip: "::1\"""",
    )
    assert finding.status is Status.PASS
    assert finding.reason == "every published port is bound to 127.0.0.1, ::1"
    assert lines(finding) == [7, 10]


def test_port_bindings_failure_names_the_entries(tmp_path: Path) -> None:
    finding = one("port_bindings", tmp_path, 'ports:\n  - "127.0.0.1:80:80"\n  - "5432:5432"')
    assert finding.reason == "published on all interfaces: 5432:5432"
    assert lines(finding) == [6]


def test_port_bindings_expose_only_is_not_applicable(tmp_path: Path) -> None:
    finding = one("port_bindings", tmp_path, 'expose:\n  - "5432"')
    assert finding.status is Status.NOT_APPLICABLE
    host = one("port_bindings", tmp_path, "network_mode: host")
    assert host.status is Status.FAIL


NETWORKS = """\
services:
  web:
    image: nginx
    ports: ["127.0.0.1:80:80"]
    networks: [front, back]
  db:
    image: postgres
    networks:
      back:
        aliases: [database]
  cache:
    image: redis
  queue:
    image: rabbitmq
    networks: [front]
  isolated:
    image: batch
    network_mode: none
  shared:
    image: sidecar
    network_mode: "service:db"
  external:
    image: x
    networks: [corp]
networks:
  front: {}
  back:
    internal: true
  corp:
    external: true
"""


def test_network_segmentation(tmp_path: Path) -> None:
    result = findings("network_segmentation", project(tmp_path, NETWORKS))
    summary = {name: (f.status, lines(f)) for name, f in result.items()}
    assert summary == {
        "web": (Status.NOT_APPLICABLE, [4]),
        "db": (Status.PASS, [8]),
        "cache": (Status.FAIL, [11]),
        "queue": (Status.FAIL, [15]),
        "isolated": (Status.PASS, [18]),
        "shared": (Status.NOT_APPLICABLE, [21]),
        "external": (Status.UNKNOWN, [24]),
    }
    assert result["cache"].reason == (
        "a back end (no published ports) on networks that are not internal: default"
    )


def test_network_segmentation_single_service(tmp_path: Path) -> None:
    assert one("network_segmentation", tmp_path, "").status is Status.NOT_APPLICABLE


def test_internal_default_network_passes(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        """\
services:
  web:
    image: nginx
    ports: ["127.0.0.1:80:80"]
  db:
    image: postgres
networks:
  default:
    internal: true
""",
    )
    assert findings("network_segmentation", facts)["db"].status is Status.PASS


# --- secrets -----------------------------------------------------------------------------


def assert_value_hidden(finding: Finding, value: str) -> None:
    assert value not in finding.reason
    for evidence in finding.evidence:
        assert value not in evidence.snippet
    assert value not in str(finding.to_dict())


def test_literal_secret_fails_without_showing_it(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        """\
services:
  list_form:
    image: x
    environment:
      - DB_PASSWORD=Sup3rSecretValue
      - DEBUG=1
  map_form:
    image: x
    environment:
      API_TOKEN: "Sup3rSecretValue"
  url:
    image: x
    environment:
      DATABASE_URL: postgres://app:Sup3rSecretValue@db/app
""",
    )
    result = findings("secrets_not_in_env", facts)
    assert result["list_form"].status is Status.FAIL
    assert result["list_form"].reason == (
        "secrets in plain text: DB_PASSWORD is written in the compose file"
    )
    assert lines(result["list_form"]) == [5]
    assert result["map_form"].status is Status.FAIL and lines(result["map_form"]) == [10]
    assert result["url"].status is Status.FAIL
    for finding in result.values():
        assert_value_hidden(finding, "Sup3rSecretValue")


def test_secret_from_the_committed_env_file_names_it(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        """\
services:
  db:
    image: postgres
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}
""",
        **{".env": "# local settings\nPOSTGRES_PASSWORD=Sup3rSecretValue\n"},
    )
    finding = findings("secrets_not_in_env", facts)["db"]
    assert finding.status is Status.FAIL
    assert finding.reason == "secrets in plain text: POSTGRES_PASSWORD comes from .env"
    assert [(e.path, e.line) for e in finding.evidence] == [("compose.yaml", 5), (".env", 2)]
    assert_value_hidden(finding, "Sup3rSecretValue")


def test_secret_from_the_environment_passes_with_advice(tmp_path: Path) -> None:
    finding = one(
        "secrets_not_in_env",
        tmp_path,
        "environment:\n  - DB_PASSWORD=${DB_PASSWORD}"
        "\n  - API_KEY\n  - SESSION_SECRET=${SESSION_SECRET:?set it}",
    )
    assert finding.status is Status.PASS
    assert finding.reason == (
        "secret values come from the environment at deploy time; prefer secrets:"
    )


def test_secret_with_a_default_in_the_compose_file_fails(tmp_path: Path) -> None:
    finding = one(
        "secrets_not_in_env",
        tmp_path,
        "environment:\n  DB_PASSWORD: ${DB_PASSWORD:-Sup3rSecretValue}",
    )
    assert finding.status is Status.FAIL
    assert "falls back to a default written in the compose file" in finding.reason
    assert_value_hidden(finding, "Sup3rSecretValue")


def test_secrets_files_and_build_args(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        """\
services:
  good:
    image: x
    environment:
      DB_PASSWORD_FILE: /run/secrets/db
      DB_USER: app
    secrets: [db]
  args:
    build:
      context: .
      args:
        NPM_TOKEN: Sup3rSecretValue
  env_file:
    image: x
    env_file: [config/app.env]
secrets:
  db:
    file: ./db.txt
""",
        **{"config/app.env": "LOG_LEVEL=info\nSTRIPE_API_KEY=Sup3rSecretValue\n"},
    )
    result = findings("secrets_not_in_env", facts)
    assert result["good"].status is Status.PASS
    assert result["good"].reason == "secrets come in through secrets:"
    assert result["args"].status is Status.FAIL and lines(result["args"]) == [12]
    assert result["env_file"].status is Status.FAIL
    assert result["env_file"].reason == (
        "secrets in plain text: STRIPE_API_KEY is written in config/app.env"
    )
    assert [(e.path, e.line) for e in result["env_file"].evidence] == [
        ("compose.yaml", 15),
        ("config/app.env", 2),
    ]
    for finding in result.values():
        assert_value_hidden(finding, "Sup3rSecretValue")


# --- sensitive mounts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("volume", "status"),
    [
        ("/:/host:ro", Status.FAIL),
        ("/etc:/host/etc:ro", Status.FAIL),
        ("/etc/nginx:/etc/nginx", Status.FAIL),
        ("/proc:/host/proc:ro", Status.FAIL),
        ("/sys:/sys", Status.FAIL),
        ("/dev:/dev", Status.FAIL),
        ("/var/lib/docker:/var/lib/docker:ro", Status.FAIL),
        ("/root/.ssh:/keys:ro", Status.FAIL),
        ("/home:/home", Status.FAIL),
        ("/home/alice:/data:ro", Status.FAIL),
        ("/usr/lib:/usr/lib", Status.FAIL),
        ("/usr/lib:/usr/lib:ro", Status.PASS),
        ("/lib/modules:/lib/modules:ro", Status.PASS),
        ("/etc/localtime:/etc/localtime:ro", Status.PASS),
        ("/home/alice/project/data:/data", Status.PASS),
        ("./data:/etc", Status.PASS),
        ("data:/etc", Status.PASS),
        ("/srv/app:/app", Status.PASS),
        ("/etcetera:/x", Status.PASS),
    ],
)
def test_sensitive_mounts(tmp_path: Path, volume: str, status: Status) -> None:
    finding = one("sensitive_mounts", tmp_path, f"volumes:\n  - '{volume}'")
    assert finding.status is status, finding.reason
    assert lines(finding) == ([5] if status is Status.FAIL else [4])


def test_sensitive_mount_reason_and_named_volume_device(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        """\
services:
  app:
    image: x
    volumes:
      - type: bind
        source: /etc
        target: /host/etc
        read_only: true
      - hostetc:/data
volumes:
  hostetc:
    driver_opts:
      type: none
      o: bind
      device: /etc/ssh
""",
    )
    finding = findings("sensitive_mounts", facts)["app"]
    assert finding.status is Status.FAIL
    assert finding.reason == (
        "mounts sensitive host paths: /etc (read-only), /etc/ssh (through volume hostetc)"
    )
    assert lines(finding) == [6, 9, 15]


def test_every_finding_carries_evidence_in_the_project(tmp_path: Path) -> None:
    facts = project(tmp_path, NETWORKS)
    for name, detector in compose_checks.DETECTORS.items():
        for finding in detector(facts):
            assert finding.evidence, name
            for evidence in finding.evidence:
                assert (tmp_path / evidence.path).is_file(), (name, evidence)
                assert evidence.line is not None and evidence.line >= 1


# --- order of services -------------------------------------------------------------------


def test_the_engine_keeps_services_in_compose_file_order(tmp_path: Path) -> None:
    names = ["web", "db", *(f"s{number}" for number in (0, 1, 2, 10, 11, 100))]
    body = "".join(f"  {name}:\n    image: app:1.0\n    privileged: true\n" for name in names)
    facts = project(tmp_path, "services:\n" + body)
    catalogue = load_catalogue()
    item = next(item for item in catalogue.items if item.detector == "privileged")

    results = detect(catalogue, facts)

    assert [f.target.name for f in results[item.id]] == names


# --- values in reasons -------------------------------------------------------------------


def test_reasons_spell_values_as_the_compose_file_does(tmp_path: Path) -> None:
    facts = project(
        tmp_path,
        """\
services:
  app:
    image: app:1.0
    mem_limit: true
    cpus: false
    pids_limit: null
    oom_score_adj: -900
    cgroup_parent: true
    sysctls:
      net.ipv4.ip_forward: true
    ulimits:
      nofile: {soft: true, hard: null}
    deploy:
      restart_policy:
        condition: on-failure
        max_attempts: true
""",
    )

    reasons = {
        name: f.reason
        for name, detector in compose_checks.DETECTORS.items()
        for f in detector(facts)
    }

    assert reasons["memory_limit"] == "cannot read mem_limit true as a limit"
    assert reasons["restart_policy"] == "cannot read on-failure retries true"
    assert "sysctl net.ipv4.ip_forward=true" in reasons["kernel_settings"]
    assert "cgroup_parent true" in reasons["kernel_settings"]
    python_words = ("True", "False", "None", "{'", "['")
    assert not {n: r for n, r in reasons.items() if any(w in r for w in python_words)}
