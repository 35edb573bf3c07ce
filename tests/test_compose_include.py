"""The compose reader as docker compose reads it: ``include`` in both syntaxes with
``project_directory`` and ``env_file``, ``extends`` across folders, ``profiles`` and
nested interpolation."""

from __future__ import annotations

from pathlib import Path

from reviewtui.model import Problem
from reviewtui.project.compose import ComposeProject, read_compose_projects
from reviewtui.project.compose_env import EnvFile, Environment


def read(root: Path, files: dict[str, str]) -> tuple[list[ComposeProject], list[Problem]]:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    rels = [rel for rel in files if rel.endswith((".yaml", ".yml"))]
    return read_compose_projects(root, rels)


def test_include_project_directory_rebases_relative_paths(tmp_path: Path) -> None:
    projects, problems = read(
        tmp_path,
        {
            "compose.yaml": "include:\n  - path: stacks/db/compose.yaml\n"
            "    project_directory: services/db\n",
            "stacks/db/compose.yaml": """\
services:
  db:
    image: "postgres:${PG_TAG}"
    build:
      dockerfile: db.Dockerfile
    env_file: ./db.env
    volumes:
      - ./data:/var/lib/postgresql/data:rw
      - type: bind
        source: ./conf
        target: /etc/postgresql
      - dbdata:/backup
""",
            "services/db/.env": "PG_TAG=16.4\n",
            "services/db/db.env": "LOG=info\n",
        },
    )
    assert problems == []
    assert [project.path for project in projects] == ["compose.yaml"]
    db = projects[0].service("db")
    assert db is not None
    assert db.data["image"] == "postgres:16.4"
    build = db.build()
    assert build is not None
    assert (build.context, build.dockerfile) == ("services/db", "services/db/db.Dockerfile")
    assert [env_file.path for env_file in db.env_files] == ["services/db/db.env"]
    assert db.env_files[0].variables is not None
    sources = [(mount.kind, mount.source) for mount in db.volumes()]
    assert sources == [
        ("bind", "../../services/db/data"),
        ("bind", "../../services/db/conf"),
        ("volume", "dbdata"),
    ]
    # Evidence still points at the lines of the included file.
    assert [mount.location for mount in db.volumes()][0] == ("stacks/db/compose.yaml", 8)


def test_include_default_project_directory_is_the_first_files_folder(tmp_path: Path) -> None:
    projects, problems = read(
        tmp_path,
        {
            "compose.yaml": "include:\n  - path: [app/compose.yaml, extra/more.yaml]\n"
            "    env_file: app/custom.env\n",
            "app/compose.yaml": "services:\n  web:\n    image: web:${TAG}\n    build: ./src\n",
            "extra/more.yaml": "services:\n  web:\n    env_file: local.env\n",
            "app/custom.env": "TAG=2.0\n",
            "app/local.env": "X=1\n",
        },
    )
    assert problems == []
    web = projects[0].service("web")
    assert web is not None
    assert web.data["image"] == "web:2.0"
    build = web.build()
    assert build is not None and build.context == "app/src"
    # The second file's relative paths resolve against the include's project directory.
    assert [env_file.path for env_file in web.env_files] == ["app/local.env"]


def test_include_short_syntax_and_project_directory_outside(tmp_path: Path) -> None:
    projects, problems = read(
        tmp_path,
        {
            "compose.yaml": "include:\n  - lib/compose.yaml\n  - path: lib/other.yaml\n"
            "    project_directory: ../elsewhere\n",
            "lib/compose.yaml": "services:\n  a:\n    build: .\n",
            "lib/other.yaml": "services:\n  b:\n    build: .\n",
        },
    )
    services = {service.name: service for service in projects[0].services}
    a_build, b_build = services["a"].build(), services["b"].build()
    assert a_build is not None and a_build.context == "lib"
    assert b_build is not None and b_build.context == "lib"
    assert [p.reason for p in problems] == [
        "include project_directory is outside the project; the included file's folder is used"
    ]


def test_extends_from_another_folder_resolves_each_path_where_written(tmp_path: Path) -> None:
    projects, problems = read(
        tmp_path,
        {
            "compose.yaml": """\
services:
  web:
    extends:
      file: common/base.yaml
      service: base
  api:
    extends:
      file: common/base.yaml
      service: base
    build:
      context: ./api
""",
            "common/base.yaml": "services:\n  base:\n    build:\n      context: ./ctx\n"
            "      dockerfile: Base.Dockerfile\n    env_file: base.env\n",
        },
    )
    assert problems == []
    web, api = projects[0].service("web"), projects[0].service("api")
    assert web is not None and api is not None
    web_build, api_build = web.build(), api.build()
    assert web_build is not None and api_build is not None
    assert (web_build.context, web_build.dockerfile) == (
        "common/ctx",
        "common/ctx/Base.Dockerfile",
    )
    # The context the extending file writes resolves against that file.
    assert (api_build.context, api_build.dockerfile) == ("api", "api/Base.Dockerfile")
    assert [env_file.path for env_file in web.env_files] == ["common/base.env"]


def test_services_in_profiles_are_read_with_their_profiles(tmp_path: Path) -> None:
    projects, _ = read(
        tmp_path,
        {
            "compose.yaml": "services:\n  app:\n    image: x\n  debug:\n    image: y\n"
            "    profiles: [dev]\n  admin:\n    image: z\n    profiles: ops\n",
        },
    )
    services = {service.name: service for service in projects[0].services}
    assert [services[name].profiles for name in ("app", "debug", "admin")] == [
        [],
        ["dev"],
        ["ops"],
    ]
    assert services["app"].target.name == "app"
    assert services["debug"].target.name == "debug [profile dev]"
    assert str(services["admin"].target) == "service admin [profile ops] (compose.yaml)"


def test_nested_defaults_required_variables_and_escapes() -> None:
    environment = Environment(EnvFile(".env", {"B": "from-b", "EMPTY": ""}))

    assert environment.interpolate("${A:-${B:-x}}")[0] == "from-b"
    assert environment.interpolate("${A:-${C:-x}}")[0] == "x"
    assert environment.interpolate("${EMPTY-set}")[0] == ""
    assert environment.interpolate("${EMPTY:-unset}")[0] == "unset"
    assert environment.interpolate("${B:+alt}")[0] == "alt"
    assert environment.interpolate("$${B} $$B")[0] == "${B} $B"
    value, substitution = environment.interpolate("${A:?A is required}")
    assert value == ""
    assert substitution is not None and substitution.unset == ("A",)
