"""The redactor's behaviour: what is not a secret, user patterns, and the walk over events."""

from __future__ import annotations

import base64
import hashlib
import uuid

import msgspec
import pytest

from vibecast.config import RedactionSettings
from vibecast.model import RecordedEvent
from vibecast.redact import Redactor
from vibecast.redact.rules import all_token_rules, detect_secrets_rules

# Built at run time so no credential-shaped literal sits in the repository.
GHP = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
AWS = "AKIA" + "QX7Z2M4N6P8R2T4V"
PEM = "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----".format(
    "\n".join(base64.b64encode(bytes(range(i, i + 48))).decode() for i in range(0, 192, 48))
)

CODE = """def load(path):
    with open(path) as fh:
        return json.load(fh)
"""

NOT_SECRETS = [
    "commit 3b17881a9c4e2f1d0b6a7e8c9d0f1a2b3c4d5e6f (HEAD -> main, origin/main)",
    f"session {uuid.UUID(int=0x7C2BB6F912344ABC9DEF0123456789AB)} resumed",
    f"sha256:{hashlib.sha256(b'layer').hexdigest()}",
    f'"integrity": "sha512-{base64.b64encode(hashlib.sha512(b"pkg").digest()).decode()}",',
    f'  resolved "https://registry.yarnpkg.com/react/-/react-18.2.0.tgz#{hashlib.sha1(b"r").hexdigest()}"',
    "/Users/dev/Projects/my-app/src/components/authentication/TokenRefreshProvider.tsx",
    f"echo {base64.b64encode(CODE.encode()).decode()} | base64 -d > load.py",
    'password = request.form["password"]',
    "token = get_token(); key={item.id}; max_tokens = 4096; input_tokens: 1234",
    "PWD=/home/dev/app OLDPWD=/home/dev",
    '{"password": "********", "api_key": "your-api-key-here", "secret": "<secret>"}',
    "DATABASE_URL=postgres://user:password@localhost:5432/app",
    "OPENAI_API_KEY=${OPENAI_API_KEY} GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}",
    'curl -H "Authorization: Bearer $TOKEN" https://api.example.com',
    "password: SecretStr = Field(min_length=8)",
    "const apiKey = process.env.STRIPE_API_KEY;",
    "interface Login { username: string; password: string; }",
    "export const AuthenticationTokenRefreshHandlerFactory = createFactory();",
    "https://user@example.com/repo.git and http://localhost:3000/api/auth/callback",
    "The secret to good tests is keeping them fast; the key point is isolation.",
    # Seen in real library code and API docs while tuning the rules:
    "password = base64.b16encode(random_bytes[:8]).decode('utf-8')",
    "credentials = standard_b64encode(credentials)",
    "can be provided via the --username and --password options",
    "Pass :meth:`peek` a default value",
    "def encode_private(self, private_key: ed25519.Ed25519PrivateKey, f_priv: _FragList):",
    "    private_key: PKCS7PrivateKeyTypes,",
    "X25519PrivateKey = rust_openssl.hpke.MLKEM768X25519PrivateKey",
    "s3_disable_express_session_auth=s3_disable_express_session_auth,",
    'processorArchitecture="*" publicKeyToken="1fc8b3b9a1e18e3b"',
    f'"NextToken": "{base64.b64encode(hashlib.sha512(b"page-2").digest()).decode()}",',
    f'"ChangeToken": "{uuid.UUID(int=0xABCD12F246DA4FDBB8D5FBD4C466928F)}",',
    '"PasswordLastUsed": "2016-09-08T21:47:36Z",',
    '"ARN": "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTestDatabaseSecret-a1b2c3"',
    '"AccessKeyId": "AKIAIOSFODNN7EXAMPLE",'
    ' "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
    '_SK_START = b"-----BEGIN OPENSSH PRIVATE KEY-----"\n'
    '_SK_END = b"-----END OPENSSH PRIVATE KEY-----"',
    'AttributeOID.CHALLENGE_PASSWORD: "challengePassword",',
    "# Auth token (SKxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx)",
]


@pytest.mark.parametrize("text", NOT_SECRETS)
def test_ordinary_text_is_left_alone(text: str) -> None:
    redactor = Redactor()
    assert redactor.scan(text) == []
    assert redactor.redact_text(text) is text


def test_placeholder_replaces_exactly_the_secret() -> None:
    redactor = Redactor()
    text = f"export AWS_ACCESS_KEY_ID={AWS}; git push https://{GHP}@github.com/a/b"
    assert redactor.redact_text(text) == (
        "export AWS_ACCESS_KEY_ID=[REDACTED:aws-access-key]; "
        "git push https://[REDACTED:github-pat]@github.com/a/b"
    )
    assert redactor.findings == {"aws-access-key": 1, "github-pat": 1}


def test_private_key_goes_as_a_whole_block() -> None:
    redactor = Redactor()
    assert redactor.redact_text(f"key:\n{PEM}\nafter") == "key:\n[REDACTED:private-key]\nafter"
    truncated = PEM.rsplit("\n", 2)[0]  # output cut before the END line
    assert redactor.redact_text(f"{truncated}") == "[REDACTED:private-key]"


def test_overlapping_rules_give_one_placeholder_of_the_specific_kind() -> None:
    key = "sk-proj-" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0UvWxYz"
    assert Redactor().redact_text(f'OPENAI_API_KEY="{key}"') == (
        'OPENAI_API_KEY="[REDACTED:openai-api-key]"'
    )


def test_offsets_hold_with_non_ascii_text() -> None:
    text = f"Пароль 🔑 DB_PASSWORD=Sup3r-S3cret! и токен {GHP} ✓"
    assert Redactor().redact_text(text) == (
        "Пароль 🔑 DB_PASSWORD=[REDACTED:password] и токен [REDACTED:github-pat] ✓"
    )


def test_redaction_is_idempotent() -> None:
    redactor = Redactor()
    once = redactor.redact_text(f"token={GHP} password='hunter2-xyz' {PEM}")
    counted = sum(redactor.findings.values())
    assert redactor.redact_text(once) is once
    assert sum(redactor.findings.values()) == counted == 3


def test_every_occurrence_is_counted_even_when_cached() -> None:
    redactor = Redactor()
    for _ in range(3):
        assert redactor.redact_text(GHP) == "[REDACTED:github-pat]"
    assert redactor.findings["github-pat"] == 3


def test_user_patterns_and_strings() -> None:
    settings = RedactionSettings(patterns=(r"corp-[0-9a-f]{8}",), strings=("build7.internal", "x"))
    redactor = Redactor(settings)
    assert redactor.redact_text("host build7.internal id corp-deadbeef") == (
        "host [REDACTED:custom] id [REDACTED:custom]"
    )
    assert redactor.redact_text("x") == "[REDACTED:custom]"  # short strings too
    assert redactor.findings["custom"] == 3


def test_an_invalid_user_pattern_is_reported_not_fatal() -> None:
    redactor = Redactor(RedactionSettings(patterns=("([unclosed", "ok-[0-9]+")))
    assert len(redactor.issues) == 1 and "([unclosed" in redactor.issues[0]
    assert redactor.redact_text("ok-42") == "[REDACTED:custom]"


def test_values_under_secret_names() -> None:
    redactor = Redactor()
    value = {
        "headers": {"Authorization": "Bearer " + "q8W2e4R6t8Y0u2I4o6P8a0S2d4F6", "Accept": "*/*"},
        "password": "hunter2",
        "apiKey": "k3y-" + "9f8e7d6c5b4a39281706f5e4",
        "max_tokens": "4096",
        "token_count": "123456789012345678",
    }
    assert redactor.redact_value(value) == {
        "headers": {"Authorization": "Bearer [REDACTED:token]", "Accept": "*/*"},
        "password": "[REDACTED:password]",
        "apiKey": "[REDACTED:api-key]",
        "max_tokens": "4096",
        "token_count": "123456789012345678",
    }


def test_keys_are_redacted_and_unchanged_values_are_not_copied() -> None:
    redactor = Redactor()
    plain = {"a": [1, "two", {"b": None}], "c": "d" * 40}
    assert redactor.redact_value(plain) is plain
    assert redactor.redact_value({GHP: 1}) == {"[REDACTED:github-pat]": 1}


def test_a_secret_spread_over_list_items_is_found() -> None:
    lines = ["-old", *("+" + line for line in PEM.splitlines()), " context"]
    out = Redactor().redact_value({"lines": lines})["lines"]
    assert out[0] == "-old" and out[-1] == " context"
    assert not any("BEGIN" in line or "MII" in line or "AAEC" in line for line in out)


def test_deep_nesting_does_not_crash() -> None:
    value: object = {"note": f"token={GHP}"}
    for _ in range(600):
        value = [value]
    out = Redactor().redact_value(value)
    while isinstance(out, list):
        (out,) = out
    assert out == "note\ntoken=[REDACTED:github-pat]"  # flattened to text, redacted


def _event(**fields: object) -> RecordedEvent:
    base = {"id": "e1", "timestamp": 1, "type": "stop", "session_id": "s1"}
    return RecordedEvent(recorded_at=1, relative_time_ms=0, **(base | fields))  # type: ignore[arg-type]


def test_redact_event_touches_text_not_identity_nor_input() -> None:
    event = _event(
        id=f"id-{GHP}",
        tool_use_id=f"toolu-{GHP}",
        response=f"done, token {GHP}",
        tool_input={"command": f"gh auth login --with-token {GHP}"},
        cwd="/home/dev",
    )
    before = msgspec.json.encode(event)
    out = Redactor().redact_event(event)
    assert msgspec.json.encode(event) == before  # the input is not modified
    assert out.id == event.id and out.tool_use_id == event.tool_use_id
    assert out.response == "done, token [REDACTED:github-pat]"
    assert out.tool_input == {"command": "gh auth login --with-token [REDACTED:github-pat]"}
    assert out.cwd == "/home/dev"


def test_an_event_without_secrets_is_returned_as_is() -> None:
    event = _event(response="All tests pass.", tool_input={"command": "pytest -q"})
    assert Redactor().redact_event(event) is event


def test_lone_surrogates_do_not_crash() -> None:
    redactor = Redactor()
    assert redactor.redact_text(f"\ud800 {GHP}") == "\ud800 [REDACTED:github-pat]"
    out = redactor.redact_event(
        _event(tool="Read", type="post_tool_use", tool_response="     1→x\ud800")
    )
    assert out.tool_response.startswith("[file contents not stored")


def test_rules_include_detect_secrets_plugins() -> None:
    tokens, contexts = detect_secrets_rules()
    sources = {rule.source for rule in tokens + contexts}
    assert {"detect-secrets:AWSKeyDetector", "detect-secrets:BasicAuthDetector"} <= sources
    assert all(rule.prefixes and all(rule.prefixes) for rule in all_token_rules())


def test_putty_private_lines_are_redacted() -> None:
    body = "\n".join(base64.b64encode(bytes(range(i, i + 45))).decode() for i in range(0, 180, 45))
    text = f"PuTTY-User-Key-File-3: ssh-rsa\nPrivate-Lines: 4\n{body}\nPrivate-MAC: 00ff"
    out = Redactor().redact_text(text)
    assert "[REDACTED:private-key]" in out and body.splitlines()[1] not in out


def test_detect_secrets_regexes_are_wired_to_the_right_kinds() -> None:
    """Each detect-secrets regex we take matches a planted secret of the kind we file it under
    (guards the plugin/index table against a detect-secrets release reordering its lists)."""
    from planted import planted_secrets

    secrets = [planted.secret for planted in planted_secrets()]
    checked = 0
    for rule in detect_secrets_rules()[0]:
        samples = [s for s in secrets if any(p in s for p in rule.prefixes)]
        if not samples or rule.anchor_back:
            continue
        assert any(rule.regex.search(s) for s in samples), (rule.source, rule.kind)
        checked += 1
    assert checked >= 10


def test_session_info_is_redacted() -> None:
    from vibecast.importers.base import SessionInfo

    info = SessionInfo(title=f"Rotate {GHP} before Friday", cwd="/srv/app", git_branch="main")
    out = Redactor().redact_info(info)
    assert out.title == "Rotate [REDACTED:github-pat] before Friday"
    assert (out.cwd, out.git_branch) == ("/srv/app", "main")
    plain = SessionInfo(title="Fix the login page")
    assert Redactor().redact_info(plain) is plain
