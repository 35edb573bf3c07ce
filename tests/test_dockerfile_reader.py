"""The Dockerfile and .dockerignore readers: heredocs, directives, ARGs, stages, matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.project.dockerfile import (
    Dockerfile,
    Instruction,
    expand_variables,
    parse_dockerfile,
    parse_image_ref,
    read_dockerfile,
    split_words,
    unquote_word,
)
from reviewtui.project.dockerignore import DockerIgnore, read_dockerignore


def parse(text: str) -> Dockerfile:
    return parse_dockerfile(text, "Dockerfile")


def keywords(dockerfile: Dockerfile) -> list[str]:
    return [instruction.keyword for instruction in dockerfile.instructions]


def only(dockerfile: Dockerfile, keyword: str) -> Instruction:
    found = [ins for ins in dockerfile.instructions if ins.keyword == keyword]
    assert len(found) == 1, keywords(dockerfile)
    return found[0]


# --- heredocs ----------------------------------------------------------------------------


def test_heredoc_body_is_not_read_as_instructions() -> None:
    dockerfile = parse(
        "FROM nginx:1.27.0\n"
        "COPY <<EOF /etc/nginx/nginx.conf\n"
        "user nginx;\n"
        "# worker settings\n"
        "worker_processes 4;\n"
        "EOF\n"
        "USER 101\n"
    )

    assert keywords(dockerfile) == ["FROM", "COPY", "USER"]
    copy = only(dockerfile, "COPY")
    assert (copy.start_line, copy.end_line) == (2, 2)
    assert copy.heredocs[0].body == "user nginx;\n# worker settings\nworker_processes 4;\n"
    assert (copy.heredocs[0].start_line, copy.heredocs[0].end_line) == (3, 6)
    assert copy.words == ["<<EOF", "/etc/nginx/nginx.conf"]
    assert dockerfile.comments == []
    assert dockerfile.final_user() == ("101", 7)
    assert dockerfile.problems == []


def test_run_heredoc_keeps_its_script_for_the_checks() -> None:
    dockerfile = parse(
        'FROM alpine:3.20\nRUN <<EOF bash\nset -e\napk add --no-cache curl\nEOF\nCMD ["sh"]\n'
    )

    run = only(dockerfile, "RUN")
    assert run.arguments == "<<EOF bash"
    assert "apk add --no-cache curl" in run.script
    assert keywords(dockerfile) == ["FROM", "RUN", "CMD"]


def test_dash_heredoc_strips_leading_tabs_and_quoted_name_disables_expansion() -> None:
    dockerfile = parse('FROM alpine:3.20\nRUN <<-"END"\n\techo $HOME\n\tEND\nUSER 1000\n')

    heredoc = only(dockerfile, "RUN").heredocs[0]
    assert heredoc.body == "echo $HOME\n"
    assert heredoc.strip_tabs and not heredoc.expand
    assert heredoc.name == "END"
    assert keywords(dockerfile) == ["FROM", "RUN", "USER"]


def test_several_heredocs_on_one_line_are_read_in_turn() -> None:
    dockerfile = parse(
        "FROM alpine:3.20\nCOPY <<one <<'two' /dst/\nfirst\none\nuser root\ntwo\nUSER app\n"
    )

    copy = only(dockerfile, "COPY")
    assert [(doc.name, doc.body) for doc in copy.heredocs] == [
        ("one", "first\n"),
        ("two", "user root\n"),
    ]
    assert dockerfile.final_user() == ("app", 7)


def test_here_string_and_shift_are_not_heredocs() -> None:
    dockerfile = parse('FROM alpine:3.20\nRUN read x <<< "$V" && echo $((1 << 2))\nUSER app\n')

    assert only(dockerfile, "RUN").heredocs == ()
    assert keywords(dockerfile) == ["FROM", "RUN", "USER"]


def test_unterminated_heredoc_is_a_problem_and_the_rest_is_still_read() -> None:
    dockerfile = parse("FROM alpine:3.20\nRUN <<EOF\necho hi\nUSER app\n")

    assert (dockerfile.problems[0].line, "never closed" in dockerfile.problems[0].reason) == (
        2,
        True,
    )
    assert "unknown instruction 'ECHO'" in dockerfile.problems[1].reason
    assert dockerfile.final_user() == ("app", 4)


# --- directives, escape, comments --------------------------------------------------------


def test_directives_at_the_top_and_backtick_escape_after_a_check_directive() -> None:
    dockerfile = parse(
        "# syntax=docker/dockerfile:1.7\n"
        "# check=skip=JSONArgsRecommended\n"
        "# escape=`\n"
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
        "RUN powershell -Command `\n"
        "    Write-Host C:\\path\n"
        "USER ContainerUser\n"
    )

    assert {name: d.value for name, d in dockerfile.directives.items()} == {
        "syntax": "docker/dockerfile:1.7",
        "check": "skip=JSONArgsRecommended",
        "escape": "`",
    }
    run = only(dockerfile, "RUN")
    assert (run.start_line, run.end_line) == (5, 6)
    assert "C:\\path" in run.arguments
    assert dockerfile.final_user() == ("ContainerUser", 7)


def test_a_directive_after_an_instruction_or_blank_line_is_a_comment() -> None:
    dockerfile = parse("\n# escape=`\nFROM alpine:3.20\n# syntax=x\nRUN echo a \\\n  b\n")

    assert dockerfile.directives == {}
    assert dockerfile.escape == "\\"
    assert [(c.line, c.text) for c in dockerfile.comments] == [(2, "escape=`"), (4, "syntax=x")]
    assert only(dockerfile, "RUN").end_line == 6


def test_comments_keep_their_lines_and_sit_above_instructions() -> None:
    dockerfile = parse(
        "FROM alpine:3.20\n# hadolint ignore=DL3018\n# reviewtui: ignore=final_user\n"
        "RUN apk add curl\n"
    )

    run = only(dockerfile, "RUN")
    assert [c.text for c in dockerfile.comments_before(run)] == [
        "hadolint ignore=DL3018",
        "reviewtui: ignore=final_user",
    ]
    assert dockerfile.lines[1] == "# hadolint ignore=DL3018"


def test_blank_line_and_comment_inside_a_continuation_do_not_end_it() -> None:
    dockerfile = parse(
        "FROM alpine:3.20\nRUN apk add \\\n# a comment\n\n    curl \\\n  git\nUSER 1\n"
    )

    run = only(dockerfile, "RUN")
    assert (run.start_line, run.end_line) == (2, 6)
    assert "curl" in run.arguments and "git" in run.arguments
    assert keywords(dockerfile) == ["FROM", "RUN", "USER"]
    assert dockerfile.problems == []


# --- ARG, stages, flags, forms -----------------------------------------------------------


@pytest.mark.parametrize(
    ("from_line", "image"),
    [
        ("FROM ${BASE}", "alpine:3.20"),
        ("FROM $BASE", "alpine:3.20"),
        ("FROM ${MISSING:-debian:12}", "debian:12"),
        ("FROM ${REGISTRY}/app:1", None),
        ("FROM ${BASE:+busybox:1.36}", "busybox:1.36"),
    ],
)
def test_global_args_are_substituted_into_from(from_line: str, image: str | None) -> None:
    dockerfile = parse(f"ARG BASE=alpine:3.20\nARG REGISTRY\n{from_line}\n")

    stage = dockerfile.stages[0]
    assert stage.base == from_line.split()[1]
    assert stage.image == image
    assert stage.unresolved is (image is None)
    assert dockerfile.global_args == {"BASE": "alpine:3.20", "REGISTRY": None}


def test_stages_link_by_name_case_insensitively_and_inherit() -> None:
    dockerfile = parse(
        "FROM node:20.14.0 AS Base\n"
        "USER node\n"
        "HEALTHCHECK CMD curl -f http://localhost/\n"
        "from base as release\n"
        "copy --from=BASE --chown=node:node --link /app /app\n"
    )

    base, release = dockerfile.stages
    assert (base.name, release.name, release.parent) == ("base", "release", 0)
    assert dockerfile.lineage() == [base, release]
    assert dockerfile.root_stage() is base
    assert dockerfile.final_user() == ("node", 2)
    assert dockerfile.effective("HEALTHCHECK") is base.last("HEALTHCHECK")
    copy = only(dockerfile, "COPY")
    assert (copy.flag("from"), copy.flag("chown"), copy.flag("link")) == ("BASE", "node:node", "")
    assert copy.arguments == "/app /app"
    assert dockerfile.stage_by_ref("0") is base


def test_copy_from_an_image_is_not_a_stage() -> None:
    dockerfile = parse(
        "FROM alpine:3.20\nCOPY --from=nginx:1.27.0 /etc/nginx/nginx.conf /etc/nginx.conf\n"
    )

    assert dockerfile.stage_by_ref("nginx:1.27.0") is None
    assert only(dockerfile, "COPY").flag("from") == "nginx:1.27.0"


def test_run_flags_and_mounts() -> None:
    dockerfile = parse(
        "FROM --platform=$BUILDPLATFORM golang:1.22.3 AS build\n"
        "RUN --mount=type=secret,id=netrc,target=/root/.netrc --mount=type=cache,"
        "target=/go/pkg go mod download\n"
        'ADD --checksum=sha256:abc "https://example.com/a.tgz" /tmp/\n'
    )

    assert dockerfile.stages[0].platform == "$BUILDPLATFORM"
    run = only(dockerfile, "RUN")
    assert run.mounts == [
        {"type": "secret", "id": "netrc", "target": "/root/.netrc"},
        {"type": "cache", "target": "/go/pkg"},
    ]
    assert run.arguments == "go mod download"
    add = only(dockerfile, "ADD")
    assert add.flag("checksum") == "sha256:abc"
    assert add.words == ["https://example.com/a.tgz", "/tmp/"]


def test_exec_form_shell_form_and_broken_json() -> None:
    dockerfile = parse(
        "FROM alpine:3.20\n"
        'CMD ["nginx", "-g", "daemon off;"]\n'
        "RUN [ -f /etc/os-release ] && echo ok\n"
        "ENTRYPOINT ['/app', 'serve']\n"
    )

    cmd, run, entrypoint = dockerfile.stages[0].instructions
    assert cmd.exec_form == ["nginx", "-g", "daemon off;"]
    assert run.exec_form is None and entrypoint.exec_form is None
    assert [(p.line, "JSON" in p.reason) for p in dockerfile.problems] == [(4, True)]


def test_onbuild_wraps_another_instruction() -> None:
    dockerfile = parse("FROM alpine:3.20\nONBUILD COPY --chown=1:1 . /app\n")

    wrapped = only(dockerfile, "ONBUILD").wrapped
    assert wrapped is not None
    assert (wrapped.keyword, wrapped.flag("chown"), wrapped.arguments) == ("COPY", "1:1", ". /app")


def test_env_and_arg_assignments_and_user_from_a_variable() -> None:
    dockerfile = parse(
        "ARG UID=10001\n"
        "FROM alpine:3.20\n"
        "ARG UID\n"
        'ENV APP_HOME="/srv/my app" LEGACY=1\n'
        "ENV OLD_STYLE value with spaces\n"
        "USER ${UID}:${GID:-10001}\n"
    )

    env, old = [ins for ins in dockerfile.instructions if ins.keyword == "ENV"]
    assert env.assignments == (("APP_HOME", "/srv/my app"), ("LEGACY", "1"))
    assert old.assignments == (("OLD_STYLE", "value with spaces"),)
    assert dockerfile.final_user() == ("10001:10001", 6)


def test_user_in_quotes_is_unquoted() -> None:
    assert parse('FROM alpine:3.20\nUSER "app"\n').final_user() == ("app", 2)


def test_user_from_a_variable_without_default_keeps_the_variable() -> None:
    dockerfile = parse("FROM alpine:3.20\nARG APP_USER\nUSER $APP_USER\n")

    assert dockerfile.final_user() == ("$APP_USER", 3)


def test_user_of_a_builder_stage_does_not_reach_the_final_stage() -> None:
    dockerfile = parse("FROM golang:1.22.3 AS build\nUSER app\nFROM alpine:3.20\n")

    assert dockerfile.final_user() == (None, None)


def test_expand_variables_reports_what_it_could_not_settle() -> None:
    assert expand_variables("${A}-${B:-b}-$C", {"A": "a", "C": None}) == ("a-b-$C", False)
    assert expand_variables("${A-x}${E:-y}", {"A": "", "E": ""}) == ("y", True)


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty file"),
        ("   \n\n", "empty file"),
        ("# only a comment\n", "no instructions"),
        ("RUN echo hi\n", "no FROM"),
        ("FROM\n", "FROM without an image"),
        ("FROM alpine AS\n", "FROM not understood"),
        ("this is not a dockerfile\nat all\n", "unknown instruction"),
    ],
)
def test_bad_input_becomes_problems(text: str, expected: str) -> None:
    dockerfile = parse(text)

    assert any(expected in problem.reason for problem in dockerfile.problems), dockerfile.problems
    assert all(problem.path == "Dockerfile" for problem in dockerfile.problems)


def test_instruction_before_first_from_is_a_problem_with_its_line() -> None:
    dockerfile = parse("ARG A=1\nENV B=2\nFROM alpine:3.20\n")

    assert [(p.line, p.reason.split(";")[0]) for p in dockerfile.problems] == [
        (2, "ENV before the first FROM")
    ]


def test_binary_file_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(b"FROM alpine\0\x01\x02")

    dockerfile = read_dockerfile(tmp_path, "Dockerfile")

    assert dockerfile.stages == []
    assert "binary" in dockerfile.problems[0].reason


def test_bad_bytes_are_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_bytes(b"FROM alpine:3.20\nLABEL x=\xff\nUSER app\r\n")

    dockerfile = read_dockerfile(tmp_path, "Dockerfile")

    assert dockerfile.final_user() == ("app", 3)
    assert dockerfile.problems[0].line == 2


def test_instructions_docker_refuses_are_problems_with_their_lines() -> None:
    dockerfile = parse(
        "FROM alpine:3.20.1\nWORKDIR /app\nUSER\nENV =\nFROMM x\nARG =\nENV FOO\n"
        "COPY app.py\nONBUILD\nCOPY <<EOF /etc/motd\nhi\nEOF\nENV A=1 B=2\nRUN\n"
    )

    assert [
        (p.line, p.reason) for p in sorted(dockerfile.problems, key=lambda p: p.line or 0)
    ] == [
        (3, "USER without arguments; Docker refuses it"),
        (4, "ENV sets a variable without a name; Docker refuses it"),
        (5, "unknown instruction 'FROMM'; Docker refuses it"),
        (6, "ARG sets a variable without a name; Docker refuses it"),
        (7, "ENV FOO gives no value; Docker refuses it"),
        (8, "COPY needs a source and a destination; Docker refuses it"),
        (9, "ONBUILD without arguments; Docker refuses it"),
    ]


def test_quotes_are_no_part_of_an_image_reference() -> None:
    assert parse_image_ref('""') is None
    assert parse_image_ref("'alpine'") is None
    ref = parse_image_ref("alpine:3.20.1@sha256:" + "a" * 64)
    assert ref is not None and ref.short == "alpine:3.20.1"


# --- image references --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("nginx", "docker.io", "library/nginx", None, None),
        ("docker.io/library/nginx:1.27", "docker.io", "library/nginx", "1.27", None),
        ("bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", None),
        ("localhost:5000/app", "localhost:5000", "app", None, None),
        ("10.0.0.5:5000/team/app:1.0", "10.0.0.5:5000", "team/app", "1.0", None),
        ("gcr.io/distroless/static@sha256:abc", "gcr.io", "distroless/static", None, "sha256:abc"),
    ],
)
def test_parse_image_ref(
    text: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = parse_image_ref(text)

    assert ref is not None
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (
        registry,
        repository,
        tag,
        digest,
    )


def test_parse_image_ref_refuses_variables_and_empty_text() -> None:
    assert parse_image_ref("${BASE}") is None
    assert parse_image_ref("") is None


# --- .dockerignore -----------------------------------------------------------------------


def dockerignore(tmp_path: Path, text: str) -> DockerIgnore:
    (tmp_path / ".dockerignore").write_text(text)
    return read_dockerignore(tmp_path, ".dockerignore")


def test_dockerignore_patterns_keep_order_lines_and_exceptions(tmp_path: Path) -> None:
    ignore = dockerignore(tmp_path, "# comment\n\n/node_modules/\n*.md\n!README.md\n")

    assert [(p.pattern, p.exception, p.line) for p in ignore.patterns] == [
        ("node_modules", False, 3),
        ("*.md", False, 4),
        ("README.md", True, 5),
    ]


@pytest.mark.parametrize(
    ("path", "excluded"),
    [
        (".git/config", True),
        ("sub/.git/config", False),
        ("node_modules/a/b.js", True),
        ("docs.md", True),
        ("README.md", False),
        ("docs/guide.md", False),
        ("secrets/server.key", True),
        ("server.key", True),
        ("build/out.o", True),
        ("build", False),
        ("tmp1", True),
        ("tmpx/file", True),
        ("src/app.py", False),
        ("./.git/HEAD", True),
    ],
)
def test_dockerignore_matching_follows_docker(tmp_path: Path, path: str, excluded: bool) -> None:
    ignore = dockerignore(
        tmp_path, ".git\n/node_modules\n*.md\n!README.md\n**/*.key\nbuild/**\ntmp?\n"
    )

    assert ignore.excludes(path) is excluded


def test_dockerignore_later_rules_win_and_whitelists_work(tmp_path: Path) -> None:
    ignore = dockerignore(tmp_path, "*\n!src\n!src/**\nsrc/secret.pem\n")

    assert ignore.excludes("Dockerfile") and ignore.excludes(".env")
    assert not ignore.excludes("src/app.py")
    assert ignore.excludes("src/secret.pem")
    deciding = ignore.deciding_pattern("src/app.py")
    assert deciding is not None and deciding.line == 3


def test_dockerignore_bad_pattern_is_a_problem(tmp_path: Path) -> None:
    ignore = dockerignore(tmp_path, "[z-a]\n.git\n")

    assert [p.line for p in ignore.problems] == [1]
    assert [p.pattern for p in ignore.patterns] == [".git"]


# --- shell words for the detectors -------------------------------------------------------


def test_split_words_removes_quotes_and_survives_bad_quoting() -> None:
    assert split_words("curl -H 'A: b' \"x y\" z") == ["curl", "-H", "A: b", "x y", "z"]
    assert split_words("echo plain words") == ["echo", "plain", "words"]
    assert split_words('echo "unclosed and more') == ["echo", "unclosed and more"]
    assert split_words("copy C:\\app", escape="`") == ["copy", "C:\\app"]
    assert unquote_word("'a b'") == "a b"


def test_memo_is_fresh_per_file_and_ignored_by_equality() -> None:
    first = parse_dockerfile("FROM a\n", "Dockerfile")
    second = parse_dockerfile("FROM a\n", "Dockerfile")
    first.memo["x"] = 1

    assert second.memo == {}
    assert first == second
