"""The compose reader: syntaxes, merging, extends, include, interpolation and bad input."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reviewtui.model import Problem
from reviewtui.project.compose import (
    ComposeProject,
    ComposeService,
    group_compose_files,
    read_compose_projects,
)
from reviewtui.project.compose_env import EnvFile, Environment, parse_env_text
from reviewtui.project.compose_yaml import (
    MAX_NODES,
    Location,
    Meta,
    Walker,
    entry_meta,
    new_loader,
    parse_yaml,
)
from reviewtui.project.compose_yaml import OVERRIDE as OVERRIDE_TAG


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def read(root: Path, files: dict[str, str]) -> tuple[list[ComposeProject], list[Problem]]:
    write(root, files)
    rels = [rel for rel in files if rel.rsplit("/", 1)[-1].startswith(("compose", "docker-"))]
    return read_compose_projects(root, rels)


def only_service(root: Path, text: str, name: str = "web", **extra: str) -> ComposeService:
    projects, problems = read(root, {"compose.yaml": text, **extra})
    assert not problems, problems
    service = projects[0].service(name)
    assert service is not None
    return service


# --- ports -------------------------------------------------------------------------------


def test_short_port_syntax_in_all_its_forms(tmp_path: Path) -> None:
    service = only_service(
        tmp_path,
        """\
services:
  web:
    image: nginx
    ports:
      - 80
      - "8080:80"
      - "127.0.0.1:8443:443"
      - "[::1]:9000:9000/udp"
      - "9090-9091:8080-8081"
      - "0.0.0.0:53:53/udp"
      - "127.0.0.1::5000"
      - "[::]:7000:7000"
""",
    )
    ports = [(p.host_ip, p.published, p.target, p.protocol, p.line) for p in service.ports()]
    assert ports == [
        ("", "", "80", "tcp", 5),
        ("", "8080", "80", "tcp", 6),
        ("127.0.0.1", "8443", "443", "tcp", 7),
        ("::1", "9000", "9000", "udp", 8),
        ("", "9090-9091", "8080-8081", "tcp", 9),
        ("0.0.0.0", "53", "53", "udp", 10),
        ("127.0.0.1", "", "5000", "tcp", 11),
        ("[::]", "7000", "7000", "tcp", 12),
    ]
    assert [p.all_interfaces for p in service.ports()] == [
        True,
        True,
        False,
        False,
        True,
        True,
        False,
        True,
    ]


def test_long_port_syntax_with_host_ip(tmp_path: Path) -> None:
    service = only_service(
        tmp_path,
        """\
services:
  web:
    image: nginx
    ports:
      - target: 80
        published: "8080"
        host_ip: 127.0.0.1
        protocol: tcp
        mode: host
      - target: 443
        published: 8443
      - target: 53
        host_ip: "::1"
        protocol: udp
""",
    )
    ports = [
        (p.host_ip, p.published, p.target, p.protocol, p.mode, p.line) for p in service.ports()
    ]
    assert ports == [
        ("127.0.0.1", "8080", "80", "tcp", "host", 7),
        ("", "8443", "443", "tcp", "", 10),
        ("::1", "", "53", "udp", "", 13),
    ]
    assert [p.all_interfaces for p in service.ports()] == [False, True, False]


def test_yaml_1_2_keeps_port_pairs_and_yes_as_strings(tmp_path: Path) -> None:
    service = only_service(
        tmp_path,
        """\
services:
  web:
    image: nginx
    ports:
      - 22:22
    environment:
      FLAG: yes
""",
    )
    assert service.data["ports"] == ["22:22"]
    assert service.data["environment"] == {"FLAG": "yes"}


# --- volumes -----------------------------------------------------------------------------


def test_short_volume_syntax(tmp_path: Path) -> None:
    service = only_service(
        tmp_path,
        """\
services:
  web:
    image: nginx
    volumes:
      - data:/data
      - ./conf:/etc/nginx/conf.d:ro
      - /srv/www:/usr/share/nginx/html:ro,z
      - ~/cache:/cache
      - /anon
      - /mnt/shared:/shared:rshared
      - ${HOME_DIR}/x:/x
      - C:\\data:/data2
""",
    )
    mounts = [
        (m.kind, m.source, m.target, m.read_only, m.propagation, m.line) for m in service.volumes()
    ]
    assert mounts == [
        ("volume", "data", "/data", False, None, 5),
        ("bind", "./conf", "/etc/nginx/conf.d", True, None, 6),
        ("bind", "/srv/www", "/usr/share/nginx/html", True, None, 7),
        ("bind", "~/cache", "/cache", False, None, 8),
        ("volume", "", "/anon", False, None, 9),
        ("bind", "/mnt/shared", "/shared", False, "rshared", 10),
        ("bind", "/x", "/x", False, None, 11),
        ("bind", "C:\\data", "/data2", False, None, 12),
    ]
    assert service.volumes()[6].from_unset_variable


def test_long_volume_syntax(tmp_path: Path) -> None:
    service = only_service(
        tmp_path,
        """\
services:
  web:
    image: nginx
    volumes:
      - type: bind
        source: /var/run/docker.sock
        target: /var/run/docker.sock
        read_only: true
      - type: volume
        source: data
        target: /data
      - type: bind
        source: /mnt
        target: /mnt
        bind:
          propagation: shared
      - type: tmpfs
        target: /tmp
        tmpfs:
          size: 1000
""",
    )
    mounts = [
        (m.kind, m.source, m.target, m.read_only, m.propagation, m.line) for m in service.volumes()
    ]
    assert mounts == [
        ("bind", "/var/run/docker.sock", "/var/run/docker.sock", True, None, 6),
        ("volume", "data", "/data", False, None, 10),
        ("bind", "/mnt", "/mnt", False, "shared", 13),
        ("tmpfs", "", "/tmp", False, None, 17),
    ]


# --- security_opt and limits -----------------------------------------------------------


def test_security_options_with_both_separators(tmp_path: Path) -> None:
    service = only_service(
        tmp_path,
        """\
services:
  web:
    image: nginx
    security_opt:
      - no-new-privileges:true
      - seccomp=unconfined
      - label:type:svirt_t
      - no-new-privileges
""",
    )
    options = [(o.name, o.value, o.location.line) for o in service.security_options()]
    assert options == [
        ("no-new-privileges", "true", 5),
        ("seccomp", "unconfined", 6),
        ("label", "type:svirt_t", 7),
        ("no-new-privileges", "", 8),
    ]


def test_limits_from_top_level_keys_and_deploy(tmp_path: Path) -> None:
    service = only_service(
        tmp_path,
        """\
services:
  web:
    image: nginx
    mem_limit: 256m
    cpus: 0.5
    deploy:
      resources:
        limits:
          memory: 512M
          pids: 100
""",
    )
    assert [
        (limit.key, limit.value, limit.location.line) for limit in service.memory_limits()
    ] == [("mem_limit", "256m", 4), ("deploy.resources.limits.memory", "512M", 9)]
    assert [(limit.key, limit.value) for limit in service.cpu_limits()] == [("cpus", 0.5)]
    assert [(limit.key, limit.value, limit.location.line) for limit in service.pids_limits()] == [
        ("deploy.resources.limits.pids", 100, 10)
    ]


# --- evidence ----------------------------------------------------------------------------


def test_evidence_points_at_the_deepest_key_that_exists(tmp_path: Path) -> None:
    service = only_service(
        tmp_path,
        """\
services:
  web:
    image: nginx
    deploy:
      resources:
        reservations:
          memory: 1g
""",
    )
    assert service.evidence("image").line == 3
    assert service.evidence("image").snippet == "image: nginx"
    assert service.evidence("deploy", "resources", "limits", "memory").line == 5
    assert service.evidence("privileged").line == 2
    assert service.evidence("privileged").snippet == "web:"
    assert service.evidence().path == "compose.yaml"


# --- merge keys and anchors --------------------------------------------------------------


def test_merge_keys_report_the_anchor_line_and_own_keys_win(tmp_path: Path) -> None:
    service = only_service(
        tmp_path,
        """\
x-common: &common
  restart: always
  privileged: true
  image: base
services:
  web:
    <<: *common
    image: nginx
  db:
    <<: [*common]
    environment: &env
      A: "1"
  worker:
    image: w
    environment: *env
""",
    )
    assert service.data["image"] == "nginx"
    assert service.data["privileged"] is True
    assert service.evidence("privileged").line == 3
    assert service.evidence("image").line == 8


def test_aliases_share_values_across_services(tmp_path: Path) -> None:
    projects, problems = read(
        tmp_path,
        {
            "compose.yaml": """\
services:
  db:
    image: postgres
    environment: &env
      A: "1"
  worker:
    image: w
    environment: *env
"""
        },
    )
    assert not problems
    worker = projects[0].service("worker")
    assert worker is not None
    assert worker.data["environment"] == {"A": "1"}
    assert worker.evidence("environment", "A").line == 5


# --- interpolation -----------------------------------------------------------------------


def test_interpolation_from_the_env_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FROM_SHELL", "shell-value")
    monkeypatch.setenv("TAG", "from-the-shell")
    service = only_service(
        tmp_path,
        """\
services:
  web:
    image: "nginx:${TAG}"
    environment:
      PLAIN: $PLAIN
      DEFAULTED: ${MISSING:-fallback}
      DASH_EMPTY: ${EMPTY-unused}
      COLON_EMPTY: ${EMPTY:-used}
      REQUIRED: ${MISSING:?must be set}
      ALT: ${TAG:+alternative}
      ALT_UNSET: ${MISSING:+alternative}
      ESCAPED: "$$HOME and $${TAG}"
      SHELL: ${FROM_SHELL}
      NESTED: ${MISSING:-${TAG}}
""",
        **{
            ".env": """\
# comment
export TAG=1.27
PLAIN='single $TAG'
EMPTY=
QUOTED="two words" # trailing comment
"""
        },
    )
    assert service.data["image"] == "nginx:1.27"
    assert service.data["environment"] == {
        "PLAIN": "single $TAG",
        "DEFAULTED": "fallback",
        "DASH_EMPTY": "",
        "COLON_EMPTY": "used",
        "REQUIRED": "",
        "ALT": "alternative",
        "ALT_UNSET": "",
        "ESCAPED": "$HOME and ${TAG}",
        "SHELL": "",
        "NESTED": "1.27",
    }
    env = {v.name: v for v in service.environment()}
    assert env["SHELL"].substitution is not None
    assert env["SHELL"].substitution.unset == ("FROM_SHELL",)
    assert env["DEFAULTED"].substitution is not None
    assert env["DEFAULTED"].substitution.defaulted == ("MISSING",)
    assert env["PLAIN"].substitution is not None
    assert env["PLAIN"].substitution.from_env_file == ("PLAIN",)
    assert env["PLAIN"].substitution.env_file == ".env"
    assert env["ESCAPED"].substitution is None


def test_env_file_parsing() -> None:
    problems: list[Problem] = []
    env_file = parse_env_text(
        """\
export A=1
B = two
C="line one
line two"
D='no $A here'
E="has ${A} and \\$A"
F=value # comment
G=url#fragment
not a line
H: yaml-style
""",
        ".env",
        problems,
    )
    assert env_file.values == {
        "A": "1",
        "B": "two",
        "C": "line one\nline two",
        "D": "no $A here",
        "E": "has 1 and $A",
        "F": "value",
        "G": "url#fragment",
        "H": "yaml-style",
    }
    assert env_file.lines["H"] == 10
    assert [(p.line, p.reason) for p in problems] == [(9, "not a variable assignment; skipped")]


def test_list_environment_becomes_a_mapping_with_raw_text() -> None:
    environment = Environment(parse_env_text("SECRET=x\n", ".env", []))
    value, substitution = environment.interpolate("${SECRET}")
    assert value == "x"
    assert substitution is not None and substitution.raw == "${SECRET}"
    assert environment.interpolate("no variables") == ("no variables", None)
    assert environment.interpolate("$") == ("$", None)
    assert environment.interpolate("${unterminated")[0] == "${unterminated"


# --- grouping and overrides --------------------------------------------------------------


def test_grouping_of_main_and_override_files() -> None:
    groups = group_compose_files(
        [
            "compose.yaml",
            "compose.override.yaml",
            "docker-compose.prod.yml",
            "svc/docker-compose.yml",
            "svc/docker-compose.override.yml",
            "other/compose.yml",
            "other/docker-compose.override.yaml",
            "lonely/compose.override.yml",
        ]
    )
    assert groups == [
        ("compose.yaml", ["compose.override.yaml"]),
        ("docker-compose.prod.yml", []),
        ("lonely/compose.override.yml", []),
        ("other/compose.yml", ["other/docker-compose.override.yaml"]),
        ("svc/docker-compose.yml", ["svc/docker-compose.override.yml"]),
    ]


OVERRIDE_BASE = """\
services:
  web:
    image: nginx
    command: ["nginx", "-g", "daemon off;"]
    ports:
      - "8080:80"
      - "9000:9000"
    expose: ["3000"]
    environment:
      - A=1
      - B=2
    labels:
      team: web
    volumes:
      - ./html:/usr/share/nginx/html
      - data:/data
    cap_add: [CHOWN]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost"]
      interval: 30s
    logging:
      driver: json-file
      options:
        max-size: 10m
    dns: [1.1.1.1]
    secrets: [one]
"""
OVERRIDE = """\
services:
  web:
    command: ["nginx-debug"]
    ports:
      - "8080:80"
      - "127.0.0.1:9229:9229"
    expose: ["3000", "4000"]
    environment:
      B: "3"
      C: "4"
    labels:
      - tier=front
    volumes:
      - ./other:/usr/share/nginx/html:ro
    cap_add: [cap_chown, NET_BIND_SERVICE]
    healthcheck:
      test: ["CMD", "true"]
    logging:
      driver: syslog
    dns: !reset []
    secrets: !override [two]
  extra:
    image: redis
"""


def test_override_file_merges_as_compose_does(tmp_path: Path) -> None:
    projects, problems = read(
        tmp_path, {"compose.yaml": OVERRIDE_BASE, "compose.override.yaml": OVERRIDE}
    )
    assert not problems
    assert len(projects) == 1
    project = projects[0]
    assert project.files == ["compose.yaml", "compose.override.yaml"]
    web = project.service("web")
    assert web is not None
    data = web.data
    assert data["command"] == ["nginx-debug"]
    assert data["ports"] == ["8080:80", "9000:9000", "127.0.0.1:9229:9229"]
    assert data["expose"] == ["3000", "4000"]
    assert data["environment"] == {"A": "1", "B": "3", "C": "4"}
    assert data["labels"] == {"team": "web", "tier": "front"}
    assert data["volumes"] == ["./other:/usr/share/nginx/html:ro", "data:/data"]
    assert data["cap_add"] == ["cap_chown", "NET_BIND_SERVICE"]
    assert data["healthcheck"] == {"test": ["CMD", "true"], "interval": "30s"}
    assert data["logging"] == {"driver": "syslog"}
    assert "dns" not in data
    assert data["secrets"] == ["two"]
    assert web.path == "compose.yaml" and web.line == 2
    assert web.evidence("environment", "B").path == "compose.override.yaml"
    assert web.evidence("environment", "A").path == "compose.yaml"
    assert web.evidence("volumes", 0).path == "compose.override.yaml"
    assert web.evidence("volumes", 1).line == 16
    extra = project.service("extra")
    assert extra is not None and extra.path == "compose.override.yaml"


def test_reset_in_a_first_file_removes_the_key(tmp_path: Path) -> None:
    service = only_service(
        tmp_path,
        """\
services:
  web:
    image: nginx
    ports: !reset ["80:80"]
""",
    )
    assert "ports" not in service.data


def test_prod_file_is_a_project_of_its_own(tmp_path: Path) -> None:
    projects, _ = read(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  web:\n    image: a\n",
            "docker-compose.prod.yml": "services:\n  web:\n    image: b\n",
        },
    )
    assert [(p.path, p.services[0].data["image"]) for p in projects] == [
        ("docker-compose.prod.yml", "b"),
        ("docker-compose.yml", "a"),
    ]


# --- extends and include -----------------------------------------------------------------


def test_extends_in_the_same_file_and_from_another(tmp_path: Path) -> None:
    projects, problems = read(
        tmp_path,
        {
            "compose.yaml": """\
services:
  base:
    image: app
    environment:
      A: "1"
  web:
    extends: base
    environment:
      B: "2"
  worker:
    extends:
      file: common/services.yml
      service: hardened
    command: work
""",
            "common/services.yml": """\
services:
  hardened:
    image: app
    read_only: true
    cap_drop: [ALL]
""",
        },
    )
    assert not problems
    web = projects[0].service("web")
    worker = projects[0].service("worker")
    assert web is not None and worker is not None
    assert web.data["environment"] == {"A": "1", "B": "2"}
    assert web.data["image"] == "app"
    assert "extends" not in web.data
    assert web.line == 6
    assert worker.data["read_only"] is True
    assert worker.evidence("read_only").path == "common/services.yml"
    assert worker.evidence("read_only").line == 4
    assert worker.data["command"] == "work"


def test_extends_loops_and_missing_bases_are_problems(tmp_path: Path) -> None:
    projects, problems = read(
        tmp_path,
        {
            "compose.yaml": """\
services:
  a:
    image: x
    extends: b
  b:
    extends: a
  c:
    extends:
      service: nowhere
  d:
    extends:
      file: ../outside.yml
      service: x
"""
        },
    )
    reasons = sorted(p.reason for p in problems)
    assert any("loop" in reason for reason in reasons)
    assert "service c: extends unknown service nowhere" in reasons
    assert "extends file is outside the project; not read" in reasons
    assert {s.name for s in projects[0].services} == {"a", "b", "c", "d"}


def test_include_brings_in_services_and_is_loop_safe(tmp_path: Path) -> None:
    projects, problems = read(
        tmp_path,
        {
            "compose.yaml": """\
include:
  - infra/compose.yaml
  - path: ../elsewhere/compose.yaml
services:
  web:
    image: nginx
""",
            "infra/compose.yaml": """\
include:
  - compose.yaml
services:
  db:
    image: postgres:${PG_VERSION}
networks:
  back:
    internal: true
""",
            "infra/.env": "PG_VERSION=16\n",
        },
    )
    assert [p.path for p in projects] == ["compose.yaml"]
    project = projects[0]
    assert sorted(s.name for s in project.services) == ["db", "web"]
    db = project.service("db")
    assert db is not None
    assert db.data["image"] == "postgres:16"
    assert db.path == "infra/compose.yaml"
    assert project.networks["back"] == {"internal": True}
    assert "infra/compose.yaml" in project.files
    reasons = [p.reason for p in problems]
    assert "include points outside the project; not read" in reasons
    assert "include loop or chain too long; not followed" in reasons


# --- bad input ---------------------------------------------------------------------------


def test_invalid_yaml_is_a_problem_with_its_line(tmp_path: Path) -> None:
    projects, problems = read(
        tmp_path,
        {
            "compose.yaml": """\
services:
  web:
    image: [nginx
    ports: 80
"""
        },
    )
    assert projects == []
    assert len(problems) == 1
    assert problems[0].path == "compose.yaml"
    assert problems[0].line == 4
    assert problems[0].reason.startswith("invalid YAML")


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (
            'services:\n  web:\n    image: nginx:1.27\n    command: "a\x1bb"\n',
            4,
            "invalid YAML: unacceptable character #x001b at column 16: "
            "special characters are not allowed",
        ),
        ("services:\n  web: \x07\n", 2, None),
        ("services:\n  web:\n    image: a\n    image: b\n", 4, None),
        ("services:\n  web:\n    labels:\n      built: 2024-13-45\n", 4, None),
        ("services:\n  web:\n    image: *nowhere\n", 3, None),
        ('services:\n  web:\n    image: "open\n', 4, None),
    ],
)
def test_every_yaml_error_has_a_line_and_a_one_line_reason(
    tmp_path: Path, text: str, line: int, reason: str | None
) -> None:
    projects, problems = read(tmp_path, {"compose.yaml": text})

    assert projects == []
    assert [(p.path, p.line) for p in problems] == [("compose.yaml", line)]
    message = problems[0].reason
    assert message.startswith("invalid YAML: ")
    assert "\n" not in message and "<unicode string>" not in message
    if reason is not None:
        assert message == reason


def test_reused_anchor_is_read_without_a_warning(
    tmp_path: Path, recwarn: pytest.WarningsRecorder
) -> None:
    text = "x-a: &img nginx:1.26\nx-b: &img nginx:1.27\nservices:\n  web:\n    image: *img\n"

    service = only_service(tmp_path, text)

    assert service.data["image"] == "nginx:1.27"
    assert not recwarn.list


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("- a\n- b\n", 1, "not a compose file: the top level is not a mapping"),
        ("services: [web]\n", 1, "services is not a mapping; no service read"),
        ("services:\n  web: nginx\n", 2, "service web is not a mapping; skipped"),
        (
            "web:\n  image: nginx\n",
            1,
            "Compose v1 file (services at the top level, no services: key); skipped",
        ),
        ("", None, "empty compose file"),
    ],
)
def test_bad_shapes_become_problems(
    tmp_path: Path, text: str, line: int | None, reason: str
) -> None:
    projects, problems = read(tmp_path, {"compose.yaml": text})
    assert [(p.line, p.reason) for p in problems] == [(line, reason)]
    assert all(not p.services for p in projects)


def test_duplicate_keys_are_a_problem(tmp_path: Path) -> None:
    _, problems = read(tmp_path, {"compose.yaml": "services:\n  web: {}\n  web: {}\n"})
    assert problems[0].line == 3
    assert "duplicate key" in problems[0].reason


def test_billion_laughs_is_bounded(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    lines.append("services:\n  web:\n    image: x\n    command: *a9")
    started = time.perf_counter()
    projects, problems = read(tmp_path, {"compose.yaml": "\n".join(lines) + "\n"})
    assert time.perf_counter() - started < 5
    assert projects == []
    assert problems[0].reason == (
        f"expands to more than {MAX_NODES} values (nested YAML aliases?); not read"
    )


def test_deep_nesting_is_cut_off(tmp_path: Path) -> None:
    deep = "services:\n  web:\n    image: x\n    labels: " + "[" * 80 + "]" * 80 + "\n"
    projects, problems = read(tmp_path, {"compose.yaml": deep})
    assert [p.reason for p in problems] == [
        "nested deeper than 64 levels; the deeper part is skipped"
    ]
    assert projects[0].service("web") is not None


def test_very_deep_nesting_does_not_raise(tmp_path: Path) -> None:
    deep = "services:\n  web:\n    labels: " + "[" * 5000 + "]" * 5000 + "\n"
    projects, problems = read(tmp_path, {"compose.yaml": deep})
    assert projects == []
    assert problems[0].reason == "YAML nested too deeply to read"


def test_binary_and_unreadable_files_are_problems(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_bytes(b"services:\0\n")
    projects, problems = read_compose_projects(tmp_path, ["compose.yaml"])
    assert projects == []
    assert problems[0].reason == "binary file (NUL bytes); not read"


def test_build_spec_resolves_against_the_compose_file(tmp_path: Path) -> None:
    projects, _ = read(
        tmp_path,
        {
            "deploy/compose.yaml": """\
services:
  a:
    build: ../app
  b:
    build:
      context: .
      dockerfile: docker/Dockerfile.prod
      target: runtime
  c:
    build: https://github.com/example/repo.git
  d:
    build:
      dockerfile_inline: "FROM alpine"
"""
        },
    )
    services = {s.name: s.build() for s in projects[0].services}
    assert services["a"] is not None and services["a"].dockerfile == "app/Dockerfile"
    assert services["b"] is not None
    assert services["b"].dockerfile == "deploy/docker/Dockerfile.prod"
    assert services["b"].target == "runtime"
    assert services["c"] is not None and services["c"].dockerfile is None
    assert services["d"] is not None and services["d"].inline


def test_an_entry_of_which_only_the_line_is_known_keeps_its_location_as_its_meta() -> None:
    """A Meta is made only for a tag or a substitution; otherwise the entry's meta is its
    Location, which answers the same questions (a big tree's compose facts hold one
    object per entry fewer)."""
    text = """\
services:
  web:
    image: nginx
    user: ${USER_ID:-1000}
    ports: ["80:80", "443:443"]
    environment: !override
      A: "1"
"""
    document, problem = parse_yaml(new_loader(), text, "compose.yaml")
    assert problem is None
    walker = Walker("compose.yaml", Environment(EnvFile()).interpolate, [])
    value, top = walker.value(document, Location("compose.yaml", 1))
    web = value["services"]["web"]
    image, user, ports, environment = (web.meta[key] for key in web)
    assert type(top) is Location and type(image) is Location
    assert image == Location("compose.yaml", 3)
    assert (image.location, image.tag, image.substitution) == (image, None, None)
    assert isinstance(user, Meta) and user.location == Location("compose.yaml", 4)
    assert user.tag is None and user.substitution is not None
    assert user.substitution.raw == "${USER_ID:-1000}" and web["user"] == "1000"
    assert type(ports) is Location and all(type(m) is Location for m in web["ports"].meta)
    assert [m.line for m in web["ports"].meta] == [5, 5]
    assert web["ports"].meta[0] is web["ports"].meta[1] is ports  # one object per line
    assert isinstance(environment, Meta) and environment.tag == OVERRIDE_TAG
    assert environment.location == Location("compose.yaml", 6)
    assert web.location_of("user") == Location("compose.yaml", 4)
    assert web.substitution_of("image") is None
    assert entry_meta(image) is image
    assert entry_meta(image, OVERRIDE_TAG) == Meta(image, OVERRIDE_TAG)
