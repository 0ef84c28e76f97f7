"""Secret-looking names and secret-looking values, for ``NAME = value`` and ``{"name": value}``.

A value is only redacted for its name when both agree: the name says "secret" (detect-secrets'
keyword vocabulary plus tokens, credentials and ``*_KEY``), and the value looks like one — a
password that is not a placeholder or a variable, or for tokens and keys a long random-looking
string. detect-secrets' own heuristics reject templated values, ``$VARS`` and sequences.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from typing import Literal

from detect_secrets.filters.heuristic import (
    is_not_alphanumeric_string,
    is_potential_uuid,
    is_sequential_string,
    is_templated_secret,
)
from detect_secrets.plugins.keyword import DENYLIST

__all__ = ["NameClass", "classify_name", "is_secret_value", "kind_for", "shannon_entropy"]

NameClass = Literal["password", "token", "secret", "key"]
"""``password``: any non-placeholder value. Others need a random-looking value; ``key`` (a bare
``*_KEY`` name) needs a longer one."""

# detect-secrets' KeywordDetector vocabulary (``api_?key``, ``password``, ``secret`` ...), plus
# the names gitleaks' generic rule adds (token, credential, auth) and a few common key names.
_EXTRA = (
    "access_?key",
    "secret_?key",
    "signing_?key",
    "encryption_?key",
    "master_?key",
    "license_?key",
    "session_?secret",
    "api_?token",
    "credentials?",
    "creds",
    "passphrase",
)
_VOCAB = re.compile("|".join(DENYLIST + _EXTRA))


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_PASSWORD_WORDS = frozenset({"pass", "pwd", "passwd", "password", "passphrase", "contraseña"})

# Names that end with one of these words describe a secret without being one.
_STOP_LAST = _wordset(
    "id ids name names url uri urls path paths file files dir length len size type types count "
    "env var vars header headers field fields prefix suffix format version expiry expires "
    "expiration expired ttl timeout hint label policy provider storage store manager service "
    "helper generator validator required enabled disabled set callback handler endpoint schema "
    "mode method regex pattern template placeholder description error errors message input "
    "visible show toggle icon class style min max minlength maxlength strength rules rule "
    "limit limits usage budget index position location source sources option options config "
    "reset hash salt used date time at changed created updated age"
)
# Tokens that are handles, not credentials: pagination, idempotency, request ids.
_NOT_CREDENTIAL = _wordset(
    "next continuation page pagination cursor request idempotency marker sync"
)
# ``*_key`` names that are not secrets.
_NOT_SECRET_KEY = _wordset(
    "public publishable primary foreign sort partition cache idempotency unique react map hot "
    "dict object row column table lookup composite natural ssh host gpg pgp "
    "event shortcut hotkey keyboard press"
)
_PUBLIC = frozenset({"public", "publishable", "pub"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[_.\-\s]+")


def _words(name: str) -> list[str]:
    spaced = _CAMEL.sub("_", name.strip("-_.'\"[]$@"))
    return [w for w in _SPLIT.split(spaced.lower()) if w]


@lru_cache(maxsize=4096)
def classify_name(name: str) -> NameClass | None:
    """What kind of secret a variable, key or flag of this name holds, if any."""
    words = _words(name)
    if not words or words[-1] in _STOP_LAST or words[-1] == "secrets" or len(name) > 80:
        return None
    if any(w in _PUBLIC or w in _NOT_CREDENTIAL for w in words):
        return None  # ``publicKeyToken``, ``NextToken``: meant to be seen, or handles
    joined = "_".join(words)
    if any(w in _PASSWORD_WORDS or "password" in w or "passwd" in w for w in words):
        return "password"
    if any(w == "token" or (w.endswith("token") and w != "token" and len(w) <= 24) for w in words):
        return "token"
    if "secret" in joined:
        return "secret"
    if _VOCAB.search(joined) or words[-1] in {"auth", "authorization", "credential", "credentials"}:
        return "token" if "auth" in joined or "cred" in joined else "secret"
    if words[-1] == "key" and not any(w in _NOT_SECRET_KEY for w in words[:-1]):
        return "key"
    return None


def kind_for(name: str, name_class: NameClass) -> str:
    """The placeholder kind for a value redacted because of its name."""
    joined = "_".join(_words(name))
    if "secret_access_key" in joined or ("aws" in joined and "secret" in joined):
        return "aws-secret-key"
    if name_class == "password":
        return "password"
    if name_class == "token":
        return "token"
    if "api" in joined:
        return "api-key"
    return "secret"


def shannon_entropy(value: str) -> float:
    """Bits per character."""
    n = len(value)
    if not n:
        return 0.0
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


_PLACEHOLDERS = _wordset(
    "password passwd pass pwd secret token key apikey api_key changeme change_me changeit "
    "example test testing dummy fake sample placeholder none null nil undefined true false "
    "string str bytes number int integer bool boolean any object optional required redacted "
    "hidden masked empty default value secretvalue mysecret mypassword yourpassword "
    "your_password your-password admin root user username guest demo foo bar baz qux "
    "notasecret not-a-secret xxx"
)
_PLACEHOLDER_PREFIXES = (
    "your",
    "<",
    "my_",
    "my-",
    "insert",
    "replace",
    "enter",
    "put_",
    "put-",
    "example",
    "dummy",
    "fake",
    "sample",
    "[redacted",
    "process.env",
    "os.environ",
    "os.getenv",
    "env.",
    "env:",
    "config.",
    "settings.",
    "self.",
    "this.",
    "args.",
    "options.",
    "opts.",
    "params.",
    "props.",
    "req.",
    "request.",
    "ctx.",
    "secrets.",
    "vault:",
    "ref+",
    "op://",
)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_CODE_CHARS = frozenset("()[]{}`")  # a call, an index, a template: code, not a value
_PATH_PREFIXES = ("/", "./", "../", "~/")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_WORD_PIECES = re.compile(r"[A-Z][a-z]{2,}|[A-Z]{2,}(?![a-z])|[a-z]{3,}|\d{1,3}")
_WORDY = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")


def _is_placeholder(value: str) -> bool:
    low = value.lower()
    return (
        low in _PLACEHOLDERS
        or "EXAMPLE" in value  # AWS's documentation keys (``…EXAMPLEKEY``)
        or ("password" in low and not any(c.isdigit() for c in low))  # ``challengePassword``
        or low.startswith(_PLACEHOLDER_PREFIXES)
        or low.endswith(("_here", "-here", "...", "…"))
        or len(set(low)) <= 2
        or is_templated_secret(value)
        or is_not_alphanumeric_string(value)
        or is_sequential_string(value)
        or value.startswith("$")
        or "%(" in value
        or any(c in _CODE_CHARS for c in value)
    )


def is_secret_value(name_class: NameClass, value: str, *, bare: bool, env_style: bool) -> bool:
    """Whether ``value``, held by a name of ``name_class``, should be redacted.

    ``bare``: the value was not quoted in the source text (so it may be a variable name);
    ``env_style``: it was a shell/dotenv ``NAME=value`` assignment, where bare words are values.
    """
    if not value or len(value) > 1024 or _is_placeholder(value):
        return False
    if name_class == "password":
        if len(value) < 3 or (value.isdigit() and len(value) < 6):
            return False
        if value.startswith(_PATH_PREFIXES):
            return False  # ``PWD=/home/me``: the working directory, not a password
        # ``password = new_password``: a bare word outside shell/dotenv is a variable.
        return not (bare and not env_style and _IDENTIFIER.fullmatch(value))
    if name_class == "token" and is_potential_uuid(value):
        return False  # ``ChangeToken``, ``ClientToken``: UUID handles, not credentials
    return looks_random(value, min_len=20 if name_class == "key" else 16)


def looks_random(value: str, min_len: int = 16) -> bool:
    """A token-like string: long, no spaces, letters and digits mixed, high entropy."""
    if len(value) < min_len or any(c.isspace() for c in value) or "://" in value:
        return False
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    if not (has_digit and has_alpha):
        return False
    if (
        value.startswith(_PATH_PREFIXES)
        and value.count("/") >= 2
        and not any(c in value for c in "+=")
    ):
        return False  # a path, not base64
    if _WORDY.fullmatch(value) and sum(c.isdigit() for c in value) < len(value) / 5:
        return False  # ``s3_disable_express_auth``: an identifier made of words
    if _DOTTED.fullmatch(value) or _is_camel_words(value):
        return False  # ``ed25519.Ed25519PrivateKey``, ``PKCS7PrivateKeyTypes``: code
    return shannon_entropy(value) >= 3.0


def _is_camel_words(value: str) -> bool:
    """``PKCS7PrivateKeyTypes``: capitalised words and a few digits, not random characters."""
    pieces = _WORD_PIECES.findall(value)
    capitalised = sum(1 for p in pieces if p[0].isupper() and p[1:].islower())
    return capitalised >= 2 and sum(map(len, pieces)) >= 0.9 * len(value)
