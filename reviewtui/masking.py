"""Masking of secret values and removal of control characters in text from scanned files.

Everything a scanned file contributes to an output (evidence snippets, reasons, problem
messages) passes through :func:`clean_text`, so the screen and every report see the same
inert, masked text.
"""

from __future__ import annotations

import functools
import re

MASK = "****"
MAX_SNIPPET = 200

# Names that hold a secret value. Harmless look-alikes (a path to a secret file, a URL, a
# public key or a GPG key id that is published anyway) are excluded by _HARMLESS_NAME.
SECRET_NAME = re.compile(
    r"(?i)(passw(or)?d|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|"
    r"private[_-]?key|client[_-]?key|credential|auth[_-]?key|signing[_-]?key|"
    r"encryption[_-]?key|master[_-]?key|session[_-]?key|_key$|^key$|(^|_)pass$)"
)
_HARMLESS_NAME = re.compile(
    r"(?i)(_file|_path|_dir|_url|_uri|_host|_port|_user(name)?|_name|_id|_type|_length|"
    r"_size|_ttl|_timeout|_expir\w*|_version|_enabled|_method|_endpoint|_location)$"
    r"|^(gpg_keys?|\w*_gpg_keys?|public_key|\w*_public_key|\w*_pubkey|key_?server)$"
)

# Values that are secrets whatever name they sit under, each with the literals one of
# which it needs: the patterns start with \b, which keeps the regex engine from skipping
# ahead to them, and a substring test is far cheaper than a search.
_TOKEN_FORMATS: list[tuple[tuple[str, ...], re.Pattern[str]]] = [
    (("AKIA", "ASIA"), re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    (("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b")),
    (("github_pat_",), re.compile(r"\bgithub_pat_[A-Za-z0-9_]{30,}\b")),
    (("glpat-",), re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}\b")),
    (
        ("xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-"),
        re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}\b"),
    ),
    (("sk_live_", "sk_test_"), re.compile(r"\bsk_(live|test)_[A-Za-z0-9]{16,}\b")),
    (("AIza",), re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    (("npm_",), re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    (("SWMTKN-1-",), re.compile(r"\bSWMTKN-1-[A-Za-z0-9-]{20,}")),  # a swarm join token
    (
        ("-----BEGIN ",),
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.S
        ),
    ),
]
# Any of those literals: one search for all of them gates the patterns.
_TOKEN_LITERALS = re.compile(
    "|".join(re.escape(literal) for literals, _ in _TOKEN_FORMATS for literal in literals)
)
# A password given on a command line: docker login -p, mysql -pVALUE is not covered.
_CLI_PASSWORD = re.compile(
    r"(?P<pre>\blogin\b[^\n]*?\s(-p|--password)(=|\s+))(?P<pw>[^\s\-][^\s]*)"
)
# user:password@ in URLs.
_URL_PASSWORD = re.compile(r"(?P<pre>[a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@]+:)(?P<pw>[^@\s/]+)(?=@)")

# Where an unquoted value ends: before the next NAME=, a flow mapping's next key, a line
# continuation, a shell's && || | or ;, or the command docker's history puts after the
# build arguments (``|1 TOKEN=x /bin/sh -c make``).
_NEXT_NAME = r"""["']?[A-Za-z_][A-Za-z0-9_.\-]*["']?"""
_VALUE_ENDS = (
    rf"""[ \t,;]+{_NEXT_NAME}=|,\s*{_NEXT_NAME}\s*:\s|[ \t]+\\[ \t]*(?:\n|$)"""
    r"""|[ \t]*(?:&&|\|\|?|;)(?:[ \t]|$)|[ \t]+/[\w.-]+/"""
)
# A quoted value, up to its closing quote (one of the other kind is part of it).
_QUOTED = r"""(?:\\.|(?!(?P=q))[^\n\\])*"""

# NAME=value, NAME: value and "NAME": "value", with optional quotes. A quoted value ends
# at its closing quote, an unquoted one at the end of the line (a secret may hold spaces),
# a closing quote, brace or bracket, or where the next assignment starts.
_ASSIGNMENT = re.compile(
    r"""(?<![A-Za-z0-9_.\-])(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)["']?(?P<sep>\s*[=:]\s*)"""
    rf"""(?P<q>["'])?(?P<value>(?(q){_QUOTED}|"""
    rf"""(?:\$\{{[^}}\n]*\}}|(?!{_VALUE_ENDS})[^\n"'}}\]])+))"""
)
# --NAME value, --NAME=value and --NAME "value"; in a JSON or YAML flow list also
# "--NAME", "value" and "--NAME=value" up to the element's closing quote.
_LISTED_FLAG = re.compile(
    rf"""(?P<q>["'])(?P<name>--?[A-Za-z][\w-]*)(?:=|(?P=q)\s*,\s*(?P=q))(?P<value>{_QUOTED})"""
)
_FLAG = re.compile(
    r"""(?<![\w"'-])(?P<name>--[A-Za-z][\w-]*)(?:=|[ \t]+)(?![-<>|&])"""
    rf"""(?P<q>["'])?(?P<value>(?(q){_QUOTED}|[^\s"']+))"""
)
# The last word of a flag that takes a secret (--password, --api-key, --client-secret);
# --password-file or --tokenizer take none, and docker's --secret takes a spec of one.
_SECRET_FLAG_WORD = re.compile(r"(?i)(passw(or)?d|pwd|pass|secret|token|key|apikey|credentials?)")
# ENV NAME value, the old form of ENV with one variable and no equals sign.
_SPACED_ASSIGNMENT = re.compile(
    r"""(?i)(?<![A-Za-z0-9_])ENV\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<sep>[ \t]+)"""
    r"""(?P<q>["'])?(?P<value>(?(q)[^"'\n]*|[^\n]+))"""
)

# C0 and C1 controls (escape sequences start with ESC), DEL, bidi controls and the
# Unicode line and paragraph separators. Tabs become spaces; newlines are kept for
# multi-line snippets.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
# The same in a name (of a file, a folder, a service), where tabs and newlines count too.
_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


_REFERENCE = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*|\$\{[A-Za-z_][A-Za-z0-9_]*(:?\?[^}]*|:?-)?\}")


def is_secret_name(name: str) -> bool:
    """True when a variable or key of this name would hold a secret value."""
    bare = name.strip().strip("\"'").lstrip("-")
    if not SECRET_NAME.search(bare):
        return False
    return not _HARMLESS_NAME.search(bare)


def looks_like_reference(value: str) -> bool:
    """True for values that point at a secret rather than hold one (``${VAR}``, empty)."""
    stripped = value.strip().strip("\"'")
    if not stripped:
        return True
    # ${VAR:-default} carries a literal default, which is a value, not a reference.
    return bool(_REFERENCE.fullmatch(stripped))


# Every pattern above needs one of these in the text; most lines have none, and a
# substring test is far cheaper than running the patterns.
_TRIGGERS = (
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "credential",
    "auth",
    "://",
    "login",
    "akia",
    "asia",
    "gh",
    "github_pat",
    "glpat",
    "xox",
    "sk_",
    "aiza",
    "npm_",
    "swmtkn-",
    "-----begin",
)


def token_in(text: str) -> re.Pattern[str] | None:
    """The pattern of a credential format (an AWS access key id, a GitHub or GitLab
    token, a private key...) that ``text`` spells out, or None. Unlike the name-based
    masking, these formats alone are near-certain: a finding can rest on them."""
    if _TOKEN_LITERALS.search(text) is None:
        return None
    for literals, pattern in _TOKEN_FORMATS:
        if any(literal in text for literal in literals) and pattern.search(text):
            return pattern
    return None


def mask_secrets(text: str) -> str:
    """Replace secret values in ``text`` by ``****``, keeping the names around them."""
    lowered = text.lower()
    if not any(trigger in lowered for trigger in _TRIGGERS):
        return text
    if _TOKEN_LITERALS.search(text) is not None:
        for literals, pattern in _TOKEN_FORMATS:
            if any(literal in text for literal in literals):
                text = pattern.sub(MASK, text)
    text = _URL_PASSWORD.sub(lambda m: m.group("pre") + MASK, text)
    text = _CLI_PASSWORD.sub(lambda m: m.group("pre") + MASK, text)

    text = _LISTED_FLAG.sub(_mask_flag, text)
    text = _FLAG.sub(_mask_flag, text)
    text = _ASSIGNMENT.sub(_mask_value, text)
    return _SPACED_ASSIGNMENT.sub(_mask_value, text)


_VARIABLE_NAME = re.compile(r"[^\s=]+")
# Where a pair the engine recorded starts: NAME= at the start of a word.
_RECORDED_PAIR = re.compile(r"(?<!\S)(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)=")


def mask_variable(entry: str) -> str:
    """One ``NAME=value`` entry of an environment as an engine lists it (``Config.Env``),
    with the value masked whole when the name is a secret's.

    The value is everything after the first ``=``, quotes, brackets, blanks and newlines
    included, so a generated password (``p"w}x``) or a value of several lines is masked
    to its end, where :func:`mask_secrets`, which cannot know where a value in free text
    ends, stops at a quote or a newline. Other entries are masked as any text (a token
    under a harmless name).
    """
    name, equals, value = entry.partition("=")
    if (
        equals
        and _VARIABLE_NAME.fullmatch(name)
        and is_secret_name(name)
        and not looks_like_reference(value)
    ):
        return f"{name}={MASK}"
    return mask_secrets(entry)


def mask_recorded_pairs(pairs: str) -> str:
    """``NAME=value`` pairs as an engine records them, unquoted and joined by blanks (an
    ENV or ARG step of an image's history, the build arguments a RUN step saw), with
    each secret's value masked whole: up to where the next pair starts, whatever quotes,
    brackets or blanks it holds. Other values are masked as any text.
    """
    # TODO: a value holding a blank followed by NAME= is taken for two pairs; the
    # history keeps no quotes to tell them apart.
    starts = list(_RECORDED_PAIR.finditer(pairs))
    if not starts:
        return mask_secrets(pairs)
    parts = [mask_secrets(pairs[: starts[0].start()])]
    ends = [match.start() for match in starts[1:]] + [len(pairs)]
    for match, end in zip(starts, ends, strict=True):
        value = pairs[match.end() : end]
        kept = value.rstrip()
        if is_secret_name(match.group("name")) and not looks_like_reference(kept):
            parts.append(match.group(0) + MASK + value[len(kept) :])
        else:
            parts.append(mask_secrets(pairs[match.start() : end]))
    return "".join(parts)


def _mask_value(match: re.Match[str]) -> str:
    """An assignment with its value masked when its name is a secret's."""
    return _masked(match) if is_secret_name(match.group("name")) else match.group(0)


def _mask_flag(match: re.Match[str]) -> str:
    """A flag with its value masked when the flag takes a secret."""
    words = match.group("name").lstrip("-").split("-")
    if words == ["secret"] or not _SECRET_FLAG_WORD.fullmatch(words[-1]):
        return match.group(0)
    return _masked(match)


def _masked(match: re.Match[str]) -> str:
    """The match with its value (but the spaces after it) masked, unless it is a
    reference or masked already."""
    value = match.group("value").rstrip()
    if looks_like_reference(value) or value == MASK:
        return match.group(0)
    start = match.start("value") - match.start(0)
    whole = match.group(0)
    return whole[:start] + MASK + whole[start + len(value) :]


def strip_controls(text: str) -> str:
    """Remove terminal escapes, control and bidi characters; tabs become spaces."""
    return _CONTROL.sub("", text.replace("\t", "    ").replace("\r", ""))


def has_controls(name: str) -> bool:
    """True when a name holds a control, escape or bidi character (a tab or newline too)."""
    return _NAME_CONTROL.search(name) is not None


def escape_controls(name: str) -> str:
    """The name with each control, escape or bidi character written as its code
    (``\\x1b``, ``\\u202e``): inert, yet told apart from the name without it, which
    stripping the characters would make it look like."""
    return _NAME_CONTROL.sub(_code_of, name)


def _code_of(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@functools.lru_cache(maxsize=65536)
def clean_text(text: str, limit: int = MAX_SNIPPET) -> str:
    """Masked, inert text of at most ``limit`` characters (an ellipsis marks a cut).

    Detectors cite the same lines and reasons many times over, so results are cached.
    """
    cleaned = mask_secrets(strip_controls(text))
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned
