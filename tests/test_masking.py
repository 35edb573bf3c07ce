"""Secret values are masked and control characters removed in text from scanned files and
in what engines keep (environments, the pairs an image's history records)."""

from __future__ import annotations

import pytest

from reviewtui.detect.live_checks.image_config import history_steps, step_evidence
from reviewtui.live.facts import ContainerFacts, ImageFacts, SwarmServiceFacts
from reviewtui.masking import (
    MASK,
    clean_text,
    is_secret_name,
    mask_recorded_pairs,
    mask_variable,
)
from reviewtui.model import Evidence


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("ENV DB_PASSWORD=hunter2 FOO=bar", "hunter2"),
        ("ENV API_TOKEN hunter2", "hunter2"),
        ('POSTGRES_PASSWORD: "s3cr3t"', "s3cr3t"),
        ("  - MYSQL_ROOT_PASSWORD=example", "example"),
        ('"api_key": "abc123", "b": 1', "abc123"),
        ("url=postgres://user:pw123@db/x", "pw123"),
        ("docker login -u me -p hunter2 registry", "hunter2"),
        ("key AKIAABCDEFGHIJKLMNOP here", "AKIAABCDEFGHIJKLMNOP"),
        ("token ghp_" + "a" * 36, "ghp_" + "a" * 36),
        ("docker swarm join --token SWMTKN-1-" + "b" * 50, "SWMTKN-1-" + "b" * 50),
        ("ARG NPM_TOKEN=abc", "abc"),
    ],
)
def test_secret_values_are_masked(text: str, secret: str) -> None:
    cleaned = clean_text(text)

    assert secret not in cleaned
    assert MASK in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "ENV FOO=bar",
        "password_file=/run/secrets/db",
        "ENV PYTHON_GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
        "apk add curl=8.5.0-r0 pkg=1.2",
        "the token expires tomorrow",
        "AWS_SECRET_ACCESS_KEY=${AWS_SECRET}",
    ],
)
def test_harmless_text_is_kept(text: str) -> None:
    assert clean_text(text) == text


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("DB_PASS", True),
        ("BYPASS", False),
        ("GITHUB_TOKEN", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("PASSWORD_FILE", False),
        ("GPG_KEY", False),
        ("NODE_GPG_KEYS", False),
        ("API_URL", False),
        ("PATH", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_control_and_bidi_characters_are_removed() -> None:
    cleaned = clean_text("\x1b[31mred\x1b[0m \u202eevil\u202c\x07")

    assert "\x1b" not in cleaned and "\u202e" not in cleaned and "\x07" not in cleaned
    assert "red" in cleaned and "evil" in cleaned


def test_evidence_masks_on_construction() -> None:
    evidence = Evidence("Dockerfile", 3, "ENV SECRET_KEY=topsecret")

    assert "topsecret" not in evidence.snippet
    assert evidence.location == "Dockerfile:3"


def test_long_text_is_cut() -> None:
    assert len(clean_text("x" * 5000)) == 200


def test_literal_defaults_in_references_are_masked() -> None:
    assert "hunter2" not in clean_text("DB_PASSWORD=${DB_PASSWORD:-hunter2}")
    assert clean_text("DB_PASSWORD=${DB_PASSWORD}") == "DB_PASSWORD=${DB_PASSWORD}"
    assert clean_text("API_TOKEN=${TOKEN:?set it}") == "API_TOKEN=${TOKEN:?set it}"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("  - DB_PASSWORD=correct horse battery staple", "  - DB_PASSWORD=****"),
        ("API_TOKEN=abc123 def456", "API_TOKEN=****"),
        ('API_TOKEN: "abc def" # rotate', 'API_TOKEN: "****" # rotate'),
        ("POSTGRES_PASSWORD: it is a long one", "POSTGRES_PASSWORD: ****"),
        ("ENV DB_PASSWORD=hunter2 FOO=bar", "ENV DB_PASSWORD=**** FOO=bar"),
        ('environment: ["DB_PASSWORD=a b c", "X=1"]', 'environment: ["DB_PASSWORD=****", "X=1"]'),
        ('{"api_key": "it\'s secret", "b": 1}', '{"api_key": "****", "b": 1}'),
        (
            'command: ["--password","s3cr3t pass","--token=tok tok2"]',
            'command: ["--password","****","--token=****"]',
        ),
        ('command: ["--password", "s3cr3t"]', 'command: ["--password", "****"]'),
        ('app --password "s3cr3t pass" --verbose', 'app --password "****" --verbose'),
        ("app --password=s3cr3t --verbose", "app --password=**** --verbose"),
        ("app --api-key s3cr3t --verbose", "app --api-key **** --verbose"),
    ],
)
def test_the_whole_secret_value_is_masked_and_nothing_else(text: str, masked: str) -> None:
    assert clean_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "docker login -u ci --password-stdin registry.example.com < token.txt",
        "app --password-file /run/secrets/db --token-file=/run/t",
        "docker build --secret id=npmrc,src=.npmrc .",
        'command: ["--tokenizer", "fast", "--verbose"]',
        "app --password $DB_PASSWORD --token=${TOKEN}",
        "the token expires tomorrow, rotate the password",
    ],
)
def test_flags_and_prose_about_secrets_are_kept(text: str) -> None:
    assert clean_text(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("ENV DB_PASSWORD=hunter2 \\", "ENV DB_PASSWORD=**** \\"),
        ("RUN TOKEN=abc def && make", "RUN TOKEN=**** && make"),
        ("RUN TOKEN=abc; make | tee log", "RUN TOKEN=****; make | tee log"),
        ("|1 NPM_TOKEN=abc /bin/sh -c apt-get update || true", None),
    ],
)
def test_an_unquoted_value_ends_where_the_line_goes_on(text: str, masked: str | None) -> None:
    expected = masked or text.replace("abc", MASK)
    assert clean_text(text) == expected


# -- what engines keep: environment entries and the pairs an image's history records --------

# A generated password: the quotes and brackets end a value for the masking of free text.
SYMBOLS = 'Sym"b0l}P4ss]w0rd'


@pytest.mark.parametrize(
    ("entry", "masked"),
    [
        (f"DB_PASSWORD={SYMBOLS}", "DB_PASSWORD=****"),
        ("SERVICE_CREDENTIALS=first line\nMult1L1neBody\nlast", "SERVICE_CREDENTIALS=****"),
        ("API_TOKEN='quoted' and more", "API_TOKEN=****"),
        ("DB_PASSWORD=", "DB_PASSWORD="),
        ("DB_PASSWORD=${FROM_ELSEWHERE}", "DB_PASSWORD=${FROM_ELSEWHERE}"),
        ("PATH=/usr/local/bin:/usr/bin", "PATH=/usr/local/bin:/usr/bin"),
        (
            "MIRROR=https://ci:pw123@pypi.example.com/simple",
            "MIRROR=https://ci:****@pypi.example.com/simple",
        ),
        ("NOTES=ask ghp_" + "a" * 36 + " for access", "NOTES=ask **** for access"),
        ("set at run time: DB_PASSWORD, API_TOKEN", "set at run time: DB_PASSWORD, API_TOKEN"),
    ],
)
def test_an_environment_entry_is_masked_to_the_end_of_its_value(entry: str, masked: str) -> None:
    assert mask_variable(entry) == masked


@pytest.mark.parametrize(
    ("pairs", "masked"),
    [
        (f"APP_PASSWORD={SYMBOLS}", "APP_PASSWORD=****"),
        (f"APP_PASSWORD={SYMBOLS} MODE=fast", "APP_PASSWORD=**** MODE=fast"),
        ('APP_SECRET=two words "q" x', "APP_SECRET=****"),
        ("BUILD_PASSWORD=Bu1ld'Arg\"Pw{x} NPM_TOKEN=abc ", "BUILD_PASSWORD=**** NPM_TOKEN=**** "),
        ("BASE64_SECRET=YWJj== TAG=1", "BASE64_SECRET=**** TAG=1"),
        ("HTTP_PROXY=http://u:pw123@proxy:3128", "HTTP_PROXY=http://u:****@proxy:3128"),
        ("LANG=C.UTF-8 TZ=UTC", "LANG=C.UTF-8 TZ=UTC"),
    ],
)
def test_recorded_pairs_are_masked_up_to_the_next_pair(pairs: str, masked: str) -> None:
    assert mask_recorded_pairs(pairs) == masked


@pytest.mark.parametrize(
    ("created_by", "masked"),
    [
        (
            f"/bin/sh -c #(nop)  ENV APP_PASSWORD={SYMBOLS}",
            "/bin/sh -c #(nop)  ENV APP_PASSWORD=****",
        ),
        (
            f"/bin/sh -c #(nop)  ARG DEPLOY_TOKEN={SYMBOLS}",
            "/bin/sh -c #(nop)  ARG DEPLOY_TOKEN=****",
        ),
        # The masking of free text that follows takes BuildKit's mark for more of the value.
        (f"ENV APP_PASSWORD={SYMBOLS} # buildkit", "ENV APP_PASSWORD=****"),
        (
            f'|2 BUILD_PASSWORD={SYMBOLS} MODE=fast /bin/sh -c echo "$MODE" > /dev/null',
            '|2 BUILD_PASSWORD=**** MODE=fast /bin/sh -c echo "$MODE" > /dev/null',
        ),
        (
            f"RUN |1 BUILD_PASSWORD={SYMBOLS} /bin/sh -c make # buildkit",
            "RUN |1 BUILD_PASSWORD=**** /bin/sh -c make # buildkit",
        ),
        # A shell named without its path cannot be told from the value: both are masked.
        (f"|1 BUILD_PASSWORD={SYMBOLS} bash -c make", "|1 BUILD_PASSWORD=****"),
        # The script is free text: its assignments are masked as in a Dockerfile's RUN.
        (
            "|1 MODE=fast /bin/sh -c PGPASSWORD=abc psql",
            "|1 MODE=fast /bin/sh -c PGPASSWORD=****",
        ),
    ],
)
def test_history_evidence_masks_recorded_values_whole(created_by: str, masked: str) -> None:
    image = ImageFacts("default", {"Id": "sha256:" + "0" * 64}, [{"CreatedBy": created_by}])
    (step,) = history_steps(image)

    assert step_evidence(image, step).snippet == masked


def test_environment_evidence_masks_each_entry_of_an_engine() -> None:
    env = [f"DB_PASSWORD={SYMBOLS}", "SSH_KEY=line one\nline two", "LANG=C.UTF-8"]
    container = ContainerFacts("default", {"Name": "/web", "Config": {"Env": env}})
    service = SwarmServiceFacts(
        "default", {"Spec": {"TaskTemplate": {"ContainerSpec": {"Env": env}}}}
    )

    assert container.evidence("Config.Env").snippet == (
        '["DB_PASSWORD=****", "SSH_KEY=****", "LANG=C.UTF-8"]'
    )
    assert container.evidence("Config.Env", env[0]).snippet == "DB_PASSWORD=****"
    field = "Spec.TaskTemplate.ContainerSpec.Env"
    assert service.evidence(field, env[1]).snippet == "SSH_KEY=****"
    # Other fields are left to the masking of free text.
    assert container.evidence("Config.Hostname", "web").snippet == "web"
