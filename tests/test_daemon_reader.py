"""The daemon.json reader: settings, key lines, and problems for what dockerd would refuse."""

from __future__ import annotations

from pathlib import Path

from reviewtui.project.daemon import DaemonConfig, read_daemon_config, top_level_key_lines


def read(tmp_path: Path, text: str) -> DaemonConfig:
    (tmp_path / "daemon.json").write_text(text)
    return read_daemon_config(tmp_path, "daemon.json")


def test_settings_and_the_line_of_each_top_level_key(tmp_path: Path) -> None:
    config = read(
        tmp_path,
        """\
{
  "log-driver": "json-file",
  "log-opts": {
    "max-size": "10m",
    "icc": "nested keys do not count"
  },
  "hosts": ["unix:///var/run/docker.sock",
            "tcp://0.0.0.0:2376"],
  "icc": false
}
""",
    )
    assert config.problems == []
    assert config.get("icc") is False
    assert config.get("log-opts") == {"max-size": "10m", "icc": "nested keys do not count"}
    assert config.key_lines == {"log-driver": 2, "log-opts": 3, "hosts": 7, "icc": 9}
    evidence = config.evidence("icc")
    assert (evidence.path, evidence.line, evidence.snippet) == ("daemon.json", 9, '"icc": false')


def test_absent_key_points_at_line_one(tmp_path: Path) -> None:
    config = read(tmp_path, '{\n  "debug": true\n}\n')
    assert not config.has("icc")
    assert config.get("icc", "default") == "default"
    assert config.evidence("icc").line == 1
    assert config.evidence("icc").snippet == "{"


def test_single_line_json_and_escaped_quotes() -> None:
    lines = top_level_key_lines('{"a": "x\\"y", "b": {"c": 1}, "d": [1, {"e": 2}]}')
    assert lines == {"a": 1, "b": 1, "d": 1}


def test_repeated_key_points_at_the_value_that_counts(tmp_path: Path) -> None:
    config = read(tmp_path, '{\n  "icc": true,\n  "icc": false\n}\n')
    assert config.get("icc") is False
    assert config.line_of("icc") == 3


def test_invalid_json_gives_line_and_column(tmp_path: Path) -> None:
    config = read(tmp_path, '{\n  "icc": false,\n  "live-restore": tru\n}\n')
    assert config.settings == {}
    assert len(config.problems) == 1
    problem = config.problems[0]
    assert problem.line == 3
    assert problem.reason.startswith("invalid JSON at column 19")


def test_top_level_not_an_object(tmp_path: Path) -> None:
    config = read(tmp_path, '["icc", false]\n')
    assert config.settings == {}
    assert [(p.line, p.reason) for p in config.problems] == [
        (1, "not a daemon.json: the top level is not an object")
    ]


def test_wrong_value_types_are_problems(tmp_path: Path) -> None:
    config = read(
        tmp_path,
        '{\n  "icc": "false",\n  "hosts": "tcp://0.0.0.0:2375",\n  "live-restore": 1\n}\n',
    )
    assert [(p.line, p.reason) for p in config.problems] == [
        (2, "icc should be true or false, not str; dockerd would refuse this file"),
        (3, "hosts should be a list, not str; dockerd would refuse this file"),
        (4, "live-restore should be true or false, not int; dockerd would refuse this file"),
    ]
    assert config.get("icc") == "false"


def test_missing_and_binary_files_are_problems(tmp_path: Path) -> None:
    missing = read_daemon_config(tmp_path, "daemon.json")
    assert missing.settings == {}
    assert missing.problems[0].reason.startswith("cannot read")
    (tmp_path / "daemon.json").write_bytes(b'{"icc": \0}')
    binary = read_daemon_config(tmp_path, "daemon.json")
    assert binary.problems[0].reason == "binary file (NUL bytes); not read"
