"""The RUN script reader: commands split at operators outside quotes, substitutions and
``sh -c`` scripts read as commands, comments dropped, heredoc bodies told apart."""

from __future__ import annotations

from reviewtui.detect.dockerfile_checks.shell import RunStep, command_line, run_steps
from reviewtui.project.dockerfile import Dockerfile, parse_dockerfile


def steps(text: str) -> tuple[Dockerfile, list[RunStep]]:
    dockerfile = parse_dockerfile(text, "Dockerfile")
    return dockerfile, run_steps(dockerfile)


def argvs(step: RunStep) -> list[tuple[str, ...]]:
    return [command.argv for command in step.commands]


def test_operators_inside_quotes_do_not_split_commands() -> None:
    _, (step,) = steps("FROM a\nRUN echo \"a && b; c | d\" && printf '%s|%s' x y; true\n")

    assert argvs(step) == [("echo", "a && b; c | d"), ("printf", "%s|%s", "x", "y"), ("true",)]
    assert [command.op for command in step.commands] == ["&&", ";", ""]


def test_pipelines_are_grouped_and_redirections_do_not_split() -> None:
    _, (step,) = steps("FROM a\nRUN curl -fsSL https://x/y 2>&1 | tee log | sh && echo done\n")

    curl, tee, shell, echo = step.commands
    assert curl.pipeline == tee.pipeline == shell.pipeline != echo.pipeline
    assert [curl.position, tee.position, shell.position] == [0, 1, 2]
    assert curl.argv == ("curl", "-fsSL", "https://x/y", "2>&1")


def test_comments_in_continued_runs_and_scripts_are_dropped() -> None:
    _, (step,) = steps(
        "FROM a\nRUN set -e; \\\n  # curl -k https://ignored\n  echo hi # curl -k\n"
    )

    assert argvs(step) == [("set", "-e"), ("echo", "hi")]


def test_hash_inside_a_word_is_no_comment() -> None:
    _, (step,) = steps("FROM a\nRUN echo a#b https://x/#frag\n")

    assert argvs(step) == [("echo", "a#b", "https://x/#frag")]


def test_substitutions_and_sh_c_scripts_are_read_as_nested_commands() -> None:
    _, (step,) = steps(
        "FROM a\nRUN V=$(curl -s https://api | jq -r .tag) && bash -c 'wget -q https://b'"
        ' && X="`uname -m`"\n'
    )

    nested = [command.argv[0] for command in step.commands if command.nested]
    assert nested == ["curl", "jq", "wget", "uname"]


def test_wrappers_assignments_and_reserved_words_are_not_the_program() -> None:
    _, (step,) = steps(
        "FROM a\nRUN DEBIAN_FRONTEND=noninteractive sudo -E -u root apt-get update; "
        "for p in a b; do env -i FOO=1 xargs -r < list apt-get install; done; "
        "command -v curl\n"
    )

    first, loop, install, _, lookup = step.commands
    assert first.argv == ("apt-get", "update") and first.wrappers == ("sudo",)
    assert loop.name == "for"
    assert install.argv == ("apt-get", "install") and install.wrappers == ("env", "xargs")
    assert lookup.argv == ()


def test_case_patterns_are_not_pipes() -> None:
    _, (step,) = steps(
        'FROM a\nRUN case "$arch" in x86_64|aarch64) echo a ;; armhf) echo b ;; esac; echo done\n'
    )

    assert argvs(step) == [("echo", "a"), ("echo", "b"), ("echo", "done")]
    assert all(command.op != "|" for command in step.commands)


def test_run_heredoc_is_the_script_and_its_lines_are_exact() -> None:
    _, (step,) = steps("FROM a\nRUN <<EOF\nset -e\ncurl -k https://x\nEOF\n")

    curl = step.commands[-1]
    assert curl.argv == ("curl", "-k", "https://x")
    assert (curl.line, curl.exact) == (4, True)


def test_heredoc_fed_to_a_data_command_is_data_not_script() -> None:
    _, (cat, python) = steps(
        "FROM a\nRUN cat <<EOF > /etc/app.conf\ncurl -k https://x\nEOF\n"
        "RUN python3 <<EOF\nimport os\nEOF\n"
    )

    assert argvs(cat) == [("cat", ">", "/etc/app.conf")]
    assert "curl -k" in cat.data
    assert argvs(python) == [("python3",)]


def test_heredoc_with_a_python_shebang_is_not_shell() -> None:
    _, (step,) = steps("FROM a\nRUN <<EOF\n#!/usr/bin/env python3\nprint('a | b')\nEOF\n")

    assert step.commands == []


def test_heredoc_inside_a_script_is_skipped_as_data() -> None:
    _, (step,) = steps(
        "FROM a\nRUN <<EOF bash\ncat <<'CONF' > /etc/x\ncurl -k inside\nCONF\necho end\nEOF\n"
    )

    assert argvs(step) == [("bash",), ("cat", ">", "/etc/x"), ("echo", "end")]
    assert step.commands[-1].line == 6
    assert "curl -k inside" in step.data


def test_exec_form_runs_its_shell_script_or_the_program() -> None:
    _, (shell, program) = steps(
        'FROM a\nRUN ["/bin/bash", "-o", "pipefail", "-c", "curl x | sh"]\n'
        'RUN ["apt-get", "update"]\n'
    )

    assert argvs(shell) == [("curl", "x"), ("sh",)]
    assert shell.pipefail_shell
    assert argvs(program) == [("apt-get", "update")]


def test_bad_quoting_does_not_raise() -> None:
    _, (first, second) = steps("FROM a\nRUN echo \"unclosed && curl -k x\nRUN echo 'also\n")

    assert argvs(first) == [("echo", "unclosed && curl -k x")]
    assert argvs(second) == [("echo", "also")]


def test_powershell_steps_are_not_parsed_as_posix() -> None:
    _, (step,) = steps(
        'FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL ["powershell", "-Command"]\n'
        "RUN iwr https://x | iex\n"
    )

    assert not step.posix and step.commands == []


def test_shell_is_inherited_through_from_stage_and_onbuild_runs_are_read() -> None:
    _, (step, onbuild) = steps(
        'FROM a AS base\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nFROM base\n'
        "RUN curl x | sh\nONBUILD RUN curl -k https://y\n"
    )

    assert step.pipefail_shell and step.ships
    assert onbuild.onbuild and onbuild.commands[0].argv == ("curl", "-k", "https://y")


def test_command_line_finds_the_physical_line() -> None:
    dockerfile, (step,) = steps(
        "FROM a\nRUN apt-get install -y curl \\\n && curl \\\n   -fsSL https://x/y | sh\n"
    )

    curl = step.named("curl")[0]
    assert command_line(dockerfile, step, curl) == 4
    assert command_line(dockerfile, step, step.commands[0]) == 2


def test_command_line_passes_over_comment_lines() -> None:
    dockerfile, (step,) = steps(
        "FROM a\nRUN apt-get install -y \\\n# gcc is needed below\n  gcc make\n"
    )

    assert step.commands[0].argv == ("apt-get", "install", "-y", "gcc", "make")
    assert command_line(dockerfile, step, step.commands[0], "gcc") == 4
