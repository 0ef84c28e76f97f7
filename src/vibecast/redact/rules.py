"""The detection rules: which secrets we recognise, and the literal keywords that gate each rule.

Two kinds of rules, following gitleaks' design (a rule's regex only runs where one of its keywords
occurs):

* :class:`TokenRule` — a credential with a documented, distinctive shape (``AKIA…``, ``ghp_…``,
  ``sk-ant-api03-…``). Each rule names the literal prefixes it starts with; the scanner looks for
  those prefixes only inside long runs of token characters and runs the rule's regex at each hit.
* :class:`ContextRule` — a secret recognised by what surrounds it (``://user:pass@``, ``aws …
  "<40 chars>"``, ``:_authToken=``). Its regex runs only where one of its keywords occurs.

The rules come from two places. The maintained rule set is detect-secrets (Yelp, Apache-2.0):
:func:`detect_secrets_rules` takes the regexes of its plugins at import time, so upgrading the
package upgrades them. Its plugins cover only part of what a Claude Code session leaks (no
Anthropic, Google, Hugging Face, npm or fine-grained GitHub tokens, no whole PEM blocks), so
:data:`TOKEN_RULES` adds the formats the vendors document, one rule per kind; overlapping hits of
both sets merge into one redaction of the more specific kind. The provider list and token shapes
were cross-checked against gitleaks' default rules (MIT); no gitleaks code or data is copied.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from detect_secrets.plugins import (
    aws,
    azure_storage_key,
    basic_auth,
    github_token,
    gitlab_token,
    jwt,
    mailchimp,
    npm,
    openai,
    pypi_token,
    sendgrid,
    slack,
    square_oauth,
    stripe,
    twilio,
)

__all__ = [
    "CONTEXT_RULES",
    "TOKEN_CHARS",
    "TOKEN_RULES",
    "ContextRule",
    "TokenRule",
    "all_token_rules",
    "detect_secrets_rules",
]

log = logging.getLogger(__name__)

TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/=.~"
"""Characters a credential token is made of; the scanner only looks at long runs of these."""


@dataclass(frozen=True, slots=True)
class TokenRule:
    """A credential with a distinctive prefix.

    The scanner finds ``prefixes`` (case-sensitive) inside runs of :data:`TOKEN_CHARS`, then runs
    ``regex.match`` from ``anchor_back`` characters before the prefix. ``group`` is the part that
    is replaced. A match must not be glued to more letters or digits on either side, so a key
    shape inside a longer hash is not taken for a key.
    """

    kind: str
    prefixes: tuple[str, ...]
    regex: re.Pattern[str]
    group: int = 0
    anchor_back: int = 0
    validate: Callable[[str], bool] | None = None
    source: str = "vibecast"
    priority: int = 2  # higher wins when two rules claim overlapping text


@dataclass(frozen=True, slots=True)
class ContextRule:
    """A secret recognised by its surroundings; ``regex`` runs near each keyword occurrence.

    ``keywords`` are lowercase bytes searched in the lowercased text. With ``window`` set, the
    regex is searched only from ``window`` characters before each keyword occurrence to the end
    of the line ``window`` characters after it (cheap on long texts, and no one-line match is
    cut short); otherwise over the whole text once.
    """

    kind: str
    keywords: tuple[bytes, ...]
    regex: re.Pattern[str]
    group: int = 0
    window: int | None = None
    validate: Callable[[str], bool] | None = None
    source: str = "vibecast"
    priority: int = 1


def _not_aws_example(key: str) -> bool:
    """AWS's documentation uses ``AKIAIOSFODNN7EXAMPLE``-style keys; they are not secrets."""
    return not key.endswith("EXAMPLE")


def _rule(kind: str, prefixes: str | tuple[str, ...], pattern: str, **kw: object) -> TokenRule:
    if isinstance(prefixes, str):
        prefixes = (prefixes,)
    return TokenRule(kind, prefixes, re.compile(pattern), **kw)  # type: ignore[arg-type]


# Formats as the vendors document them (key prefixes are what the vendors print in their docs
# and dashboards). Lengths are lower bounds where vendors have changed lengths over time.
TOKEN_RULES: tuple[TokenRule, ...] = (
    _rule("anthropic-api-key", "sk-ant-", r"sk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{20,}", priority=3),
    _rule(
        "openai-api-key",
        ("sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-"),
        r"sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}",
    ),
    _rule("openai-api-key", "sk-", r"sk-[A-Za-z0-9]{32,}"),
    _rule(
        "aws-access-key",
        ("AKIA", "ASIA", "ABIA", "ACCA", "A3T"),
        r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}",
        validate=_not_aws_example,
        priority=3,
    ),
    _rule("github-pat", "ghp_", r"ghp_[A-Za-z0-9]{36,}", priority=3),
    _rule("github-oauth-token", "gho_", r"gho_[A-Za-z0-9]{36,}", priority=3),
    _rule("github-app-token", ("ghu_", "ghs_"), r"gh[us]_[A-Za-z0-9]{36,}", priority=3),
    _rule("github-refresh-token", "ghr_", r"ghr_[A-Za-z0-9]{36,}", priority=3),
    _rule("github-fine-grained-pat", "github_pat_", r"github_pat_[A-Za-z0-9_]{22,}", priority=3),
    _rule(
        "gitlab-token",
        (
            "glpat-",
            "gldt-",
            "glft-",
            "glsoat-",
            "glrt-",
            "glcbt-",
            "glimt-",
            "glptt-",
            "glagent-",
            "gloas-",
            "glffct-",
        ),
        r"gl[a-z]{2,6}-[A-Za-z0-9_.-]{20,}",
        priority=3,
    ),
    _rule("gitlab-runner-token", "GR1348941", r"GR1348941[A-Za-z0-9_-]{20,}", priority=3),
    _rule(
        "slack-token",
        ("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "xoxe-", "xoxe."),
        r"xox[abposre][.-](?:xox[bp]-)?[A-Za-z0-9-]{15,}",
        priority=3,
    ),
    _rule("slack-app-token", "xapp-", r"xapp-\d-[A-Za-z0-9-]{15,}", priority=3),
    _rule(
        "slack-webhook",
        "hooks.slack.com/",
        r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,}",
        priority=3,
    ),
    _rule(
        "discord-webhook",
        ("discord.com/api/webhooks/", "discordapp.com/api/webhooks/"),
        r"discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{30,}",
        priority=3,
    ),
    _rule(
        "stripe-key",
        ("sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_", "rk_prod_"),
        r"[sr]k_(?:live|test|prod)_[A-Za-z0-9]{10,}",
        priority=3,
    ),
    _rule("stripe-webhook-secret", "whsec_", r"whsec_[A-Za-z0-9+/=]{20,}", priority=3),
    _rule("google-api-key", "AIza", r"AIza[0-9A-Za-z_-]{35}", priority=3),
    _rule("google-oauth-token", "ya29.", r"ya29\.[0-9A-Za-z_-]{20,}", priority=3),
    _rule("google-oauth-token", "1//0", r"1//0[0-9A-Za-z_-]{30,}", priority=3),
    _rule("google-oauth-client-secret", "GOCSPX-", r"GOCSPX-[A-Za-z0-9_-]{20,}", priority=3),
    _rule("npm-token", "npm_", r"npm_[A-Za-z0-9]{36}", priority=3),
    _rule("pypi-token", ("pypi-AgE",), r"pypi-AgE[A-Za-z0-9_-]{50,}", priority=3),
    _rule("huggingface-token", "hf_", r"hf_[A-Za-z0-9]{30,}", priority=3),
    _rule("huggingface-token", "api_org_", r"api_org_[A-Za-z0-9]{30,}", priority=3),
    _rule("twilio-api-key", "SK", r"SK[0-9a-fA-F]{32}"),
    _rule("sendgrid-api-key", "SG.", r"SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{20,64}", priority=3),
    _rule(
        "azure-storage-key",
        "AccountKey=",
        r"AccountKey=([A-Za-z0-9+/]{40,}={0,2})",
        group=1,
        priority=3,
    ),
    _rule(
        "azure-shared-access-key",
        "SharedAccessKey=",
        r"SharedAccessKey=([A-Za-z0-9+/]{30,}={0,2})",
        group=1,
        priority=3,
    ),
    # Entra ID (Azure AD) client secrets: three characters, a digit, "Q~", then 31-34 more.
    _rule(
        "azure-client-secret",
        "Q~",
        r"[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}",
        anchor_back=4,
        priority=3,
    ),
    _rule(
        "jwt",
        "eyJ",
        r"eyJ[A-Za-z0-9_-]{8,}={0,2}\.eyJ[A-Za-z0-9_-]{8,}={0,2}\.[A-Za-z0-9_-]*={0,2}",
        priority=3,
    ),
    _rule(
        "digitalocean-token",
        ("dop_v1_", "doo_v1_", "dor_v1_"),
        r"do[opr]_v1_[a-f0-9]{64}",
        priority=3,
    ),
    _rule(
        "shopify-token",
        ("shpat_", "shpca_", "shppa_", "shpss_"),
        r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}",
        priority=3,
    ),
    _rule("databricks-token", "dapi", r"dapi[a-f0-9]{32}(?:-\d)?"),
    _rule("linear-api-key", "lin_api_", r"lin_api_[A-Za-z0-9]{40}", priority=3),
    _rule("perplexity-api-key", "pplx-", r"pplx-[A-Za-z0-9]{48}", priority=3),
    _rule("groq-api-key", "gsk_", r"gsk_[A-Za-z0-9]{48,}", priority=3),
    _rule("xai-api-key", "xai-", r"xai-[A-Za-z0-9]{60,}", priority=3),
    _rule("replicate-api-token", "r8_", r"r8_[A-Za-z0-9]{37,}", priority=3),
    _rule("sentry-token", ("sntryu_", "sntrys_"), r"sntry[us]_[A-Za-z0-9+/=_]{40,}", priority=3),
    _rule("vault-token", ("hvs.", "hvb."), r"hv[sb]\.[A-Za-z0-9_-]{90,}", priority=3),
    _rule("doppler-token", "dp.pt.", r"dp\.pt\.[A-Za-z0-9]{40,}", priority=3),
    _rule("grafana-token", ("glc_", "glsa_"), r"gl(?:c|sa)_[A-Za-z0-9+/_=]{32,}", priority=3),
    _rule("age-secret-key", "AGE-SECRET-KEY-1", r"AGE-SECRET-KEY-1[0-9A-Z]{58}", priority=3),
    _rule("rubygems-api-key", "rubygems_", r"rubygems_[a-f0-9]{48}", priority=3),
    _rule("pulumi-token", "pul-", r"pul-[a-f0-9]{40}", priority=3),
    _rule("postman-api-key", "PMAK-", r"PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}", priority=3),
    _rule(
        "planetscale-token", "pscale_", r"pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_=.-]{32,}", priority=3
    ),
    _rule("square-token", ("sq0atp-", "sq0csp-"), r"sq0(?:atp|csp)-[0-9A-Za-z_-]{22,}", priority=3),
)


# detect-secrets plugins whose regexes are taken as they are, with the prefixes that gate them.
# Plugins left out: KeywordDetector (its vocabulary is used by the assignment rule instead, see
# names.py), the high-entropy detectors (far too many false positives on code), IP addresses
# (not secrets), and the ones whose regexes have no literal to gate on and produce noise on
# ordinary text (Discord bot token, Telegram bot token, Artifactory, IBM, Cloudant, SoftLayer).
_DS_TOKEN_PLUGINS: tuple[tuple[type, int, str, tuple[str, ...], int], ...] = (
    # (plugin, index in its denylist, kind, prefixes, anchor_back)
    (aws.AWSKeyDetector, 0, "aws-access-key", ("AKIA", "ASIA", "ABIA", "ACCA", "A3T"), 0),
    (
        github_token.GitHubTokenDetector,
        0,
        "github-token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        0,
    ),
    (
        gitlab_token.GitLabTokenDetector,
        0,
        "gitlab-token",
        ("glpat-", "gldt-", "glft-", "glsoat-", "glrt-"),
        0,
    ),
    (gitlab_token.GitLabTokenDetector, 1, "gitlab-runner-token", ("GR1348941",), 0),
    (gitlab_token.GitLabTokenDetector, 2, "gitlab-token", ("glcbt-",), 0),
    (gitlab_token.GitLabTokenDetector, 3, "gitlab-token", ("glimt-",), 0),
    (gitlab_token.GitLabTokenDetector, 4, "gitlab-token", ("glptt-",), 0),
    (gitlab_token.GitLabTokenDetector, 5, "gitlab-token", ("glagent-",), 0),
    (gitlab_token.GitLabTokenDetector, 6, "gitlab-token", ("gloas-",), 0),
    (
        slack.SlackDetector,
        0,
        "slack-token",
        ("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"),
        0,
    ),
    (slack.SlackDetector, 1, "slack-webhook", ("hooks.slack.com/",), len("https://")),
    (stripe.StripeDetector, 0, "stripe-key", ("sk_live_", "rk_live_"), 0),
    (sendgrid.SendGridDetector, 0, "sendgrid-api-key", ("SG.",), 0),
    (pypi_token.PypiTokenDetector, 0, "pypi-token", ("pypi-AgEIcHlwaS5vcmc",), 0),
    (pypi_token.PypiTokenDetector, 1, "pypi-token", ("pypi-AgENdGVzdC5weXBpLm9yZw",), 0),
    (openai.OpenAIDetector, 0, "openai-api-key", ("sk-",), 0),
    (azure_storage_key.AzureStorageKeyDetector, 0, "azure-storage-key", ("AccountKey=",), 0),
    (square_oauth.SquareOAuthDetector, 0, "square-token", ("sq0csp-",), 0),
    (twilio.TwilioKeyDetector, 1, "twilio-api-key", ("SK",), 0),
    (jwt.JwtTokenDetector, 0, "jwt", ("eyJ",), 0),
    (mailchimp.MailchimpDetector, 0, "mailchimp-api-key", ("-us",), 32),
)

# Context rules taken from detect-secrets: (plugin, index, kind, keywords, group, window).
_DS_CONTEXT_PLUGINS: tuple[tuple[type, int, str, tuple[bytes, ...], int, int | None], ...] = (
    (aws.AWSKeyDetector, 1, "aws-secret-key", (b"aws",), 1, 120),
    (npm.NpmDetector, 0, "npm-token", (b"_authtoken",), 1, 300),
    (basic_auth.BasicAuthDetector, 0, "url-password", (b"://",), 1, None),
)


def _plugin_regex(plugin: type, index: int) -> re.Pattern[str] | None:
    """The plugin's ``index``-th regex; None (and a warning) if a new detect-secrets release
    changed its list, so an upgrade degrades to our own rules instead of failing imports."""
    denylist = getattr(plugin, "denylist", ())
    if index >= len(denylist):
        log.warning("detect-secrets %s has no regex #%d; rule skipped", plugin.__name__, index)
        return None
    regex = denylist[index]
    return regex if isinstance(regex, re.Pattern) else re.compile(regex)


def detect_secrets_rules() -> tuple[tuple[TokenRule, ...], tuple[ContextRule, ...]]:
    """detect-secrets' plugin regexes as rules (token rules, context rules)."""
    tokens = []
    for plugin, index, kind, prefixes, back in _DS_TOKEN_PLUGINS:
        regex = _plugin_regex(plugin, index)
        if regex is not None:
            validate = (
                jwt.JwtTokenDetector.is_formally_valid
                if plugin is jwt.JwtTokenDetector
                else _not_aws_example
                if plugin is aws.AWSKeyDetector
                else None
            )
            source = f"detect-secrets:{plugin.__name__}"
            tokens.append(TokenRule(kind, prefixes, regex, 0, back, validate, source, priority=2))
    contexts = []
    for plugin, index, kind, keywords, group, window in _DS_CONTEXT_PLUGINS:
        regex = _plugin_regex(plugin, index)
        if regex is not None:
            source = f"detect-secrets:{plugin.__name__}"
            contexts.append(ContextRule(kind, keywords, regex, group, window, source=source))
    return tuple(tokens), tuple(contexts)


# Our context rules. Passwords in URLs: detect-secrets' rule (above) follows RFC 3986 and misses
# the unescaped "!", "$" or "*" people do put in database URLs, hence a second, looser rule.
CONTEXT_RULES: tuple[ContextRule, ...] = (
    ContextRule(
        "private-key",
        (b"private key",),
        re.compile(
            r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[\s\S]{64,16384}?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
            r"|[A-Za-z0-9+/=\s\\:,.-]{64,})"
        ),
        priority=3,
    ),
    ContextRule(
        "private-key",
        (b"private-lines:",),
        re.compile(r"Private-Lines:\s*\d+\s+(?:[A-Za-z0-9+/=]+(?:\s+|\\n|$))+"),
        priority=3,
    ),
    ContextRule(
        "url-password",
        (b"://",),
        re.compile(r"://[^\s:/?#\[\]@\"'<>`]{0,128}:([^\s/?#\[\]@\"'<>`]{1,256})@"),
        group=1,
    ),
    ContextRule(
        "azure-sas-token",
        (b"sig=",),
        re.compile(r"[?&]sig=([A-Za-z0-9%+/=]{30,})"),
        group=1,
        window=200,
        priority=3,
    ),
    ContextRule(
        "basic-auth",
        (b"curl",),
        re.compile(r"""\s(?:-u|--user)(?:=|\s+)['"]?[^\s'":]{1,128}:([^\s'"]{3,256})"""),
        group=1,
        window=400,
    ),
)


def all_token_rules() -> tuple[TokenRule, ...]:
    return TOKEN_RULES + detect_secrets_rules()[0]
