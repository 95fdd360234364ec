"""Evidence and sharing (DOMAIN.md "Evidence and sharing"; A/77/88/Add.1 para 14, para 6).

Pure rules: which file contents are executables (refused by default), how each observable type
is validated and normalised, what an ATT&CK technique id looks like, and which TLP 2.0 labels may
leave the organisation in an export (reference/STANDARDS.md §6).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import ValidationError

# --- files ------------------------------------------------------------------------------------

# Magic numbers of things that run. Checked before any general type library, so the deny list
# never depends on a third-party guess (a PE file is "application/x-dosexec" whatever its name).
EXECUTABLE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "application/x-dosexec"),  # DOS/Windows PE (exe, dll, sys, scr)
    (b"\x7fELF", "application/x-executable"),
    (b"\xfe\xed\xfa\xce", "application/x-mach-binary"),
    (b"\xfe\xed\xfa\xcf", "application/x-mach-binary"),
    (b"\xce\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xca\xfe\xba\xbe", "application/x-mach-binary"),  # universal binary (or a Java class)
    (b"#!", "text/x-shellscript"),  # any script with an interpreter line
    (b"\x00asm", "application/wasm"),
    (b"L\x00\x00\x00\x01\x14\x02\x00", "application/x-ms-shortcut"),
)
DEFAULT_DENIED_TYPES = (
    "application/x-dosexec",
    "application/x-executable",
    "application/x-mach-binary",
    "text/x-shellscript",
    "application/wasm",
    "application/x-ms-shortcut",
)
SNIFF_BYTES = 8192


def executable_type(head: bytes) -> str | None:
    for magic, mime in EXECUTABLE_SIGNATURES:
        if head.startswith(magic):
            return mime
    return None


def is_text(head: bytes) -> bool:
    """No NUL and valid UTF-8 (a multi-byte character cut at the end of the sample is fine)."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return True


def safe_filename(name: str) -> str:
    """The last path part, without control characters, at most 200 characters; never empty."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?').strip(" .")
    return (base or "attachment")[-200:]


# --- observables ------------------------------------------------------------------------------

OBSERVABLE_TYPES = (
    "ipv4",
    "ipv6",
    "domain",
    "url",
    "email",
    "file_sha256",
    "file_md5",
    "hostname",
    "user_account",
    "cve",
)
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})$")
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MD5 = re.compile(r"^[0-9a-f]{32}$")
_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
_ACCOUNT = re.compile(r"^[^\s\x00-\x1f]{1,256}$")


def _idna(domain: str) -> str:
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(N_("not a valid domain name")) from exc


def _ipv4(value: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError as exc:
        raise ValueError(N_("not a valid IPv4 address")) from exc


def _ipv6(value: str) -> str:
    try:
        return ipaddress.IPv6Address(value.strip("[]")).compressed
    except ValueError as exc:
        raise ValueError(N_("not a valid IPv6 address")) from exc


def _domain(value: str) -> str:
    domain = _idna(value.lower().rstrip("."))
    if len(domain) > 253 or not _DOMAIN.match(domain):
        raise ValueError(N_("not a valid domain name"))
    return domain


def _hostname(value: str) -> str:
    host = _idna(value.lower().rstrip("."))
    if len(host) > 253 or not _HOSTNAME.match(host):
        raise ValueError(N_("not a valid host name"))
    return host


def _url(value: str) -> str:
    if len(value) > 2048 or any(ch.isspace() for ch in value):
        raise ValueError(N_("not a valid URL (scheme://host/…, at most 2048 characters)"))
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(N_("not a valid URL port")) from exc
    if not parts.scheme or not parts.hostname:
        raise ValueError(N_("not a valid URL (scheme://host/…)"))
    try:
        ip = ipaddress.ip_address(parts.hostname)
        host = f"[{ip.compressed}]" if ip.version == 6 else str(ip)
    except ValueError:
        host = _hostname(parts.hostname)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (f"{userinfo}@" if userinfo else "") + host + (f":{port}" if port is not None else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


def _email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if not at or not _EMAIL_LOCAL.match(local) or local.startswith(".") or ".." in local:
        raise ValueError(N_("not a valid email address"))
    return f"{local}@{_domain(domain)}"


def _hex(pattern: re.Pattern[str], problem: str) -> object:
    def check(value: str) -> str:
        lowered = value.lower()
        if not pattern.match(lowered):
            raise ValueError(problem)
        return lowered

    return check


def _cve(value: str) -> str:
    upper = value.upper()
    if not _CVE.match(upper):
        raise ValueError(N_("not a CVE id (CVE-YYYY-NNNN)"))
    return upper


def _account(value: str) -> str:
    if not _ACCOUNT.match(value):
        raise ValueError(N_("not a valid account name (no spaces or control characters, at most 256)"))
    return value


NORMALISERS = {
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "domain": _domain,
    "url": _url,
    "email": _email,
    "file_sha256": _hex(_SHA256, N_("not a SHA-256 (64 hex digits)")),
    "file_md5": _hex(_MD5, N_("not a MD5 (32 hex digits)")),
    "hostname": _hostname,
    "user_account": _account,
    "cve": _cve,
}


def normalise_observable(kind: str, value: str) -> str:
    """The stored form of `value` as a `kind`; ValidationError naming `value` when it is not one."""
    if kind not in NORMALISERS:
        raise ValidationError.for_fields(
            {"type": [Text(N_("must be one of %(codes)s"), codes=", ".join(OBSERVABLE_TYPES))]}
        )
    text = (value or "").strip()
    if not text:
        raise ValidationError.for_fields({"value": [Text(N_("must not be empty"))]})
    try:
        return NORMALISERS[kind](text)  # type: ignore[operator]
    except ValueError as exc:
        # The normalisers' messages are marked N_ above, so the problem is translated on its own.
        problem = Text(str(exc))
        raise ValidationError.for_fields(
            {"value": [Text(N_("%(problem)s for type %(type)s"), problem=problem, type=kind)]}
        ) from exc


# The order a free-text indicator is tried in (migration of `detection.indicators`).
_GUESS_ORDER = ("ipv4", "ipv6", "file_sha256", "file_md5", "cve", "url", "email", "domain")


def guess_observable(value: str) -> tuple[str, str] | None:
    """(type, normalised value) of a free-text indicator, or None when it is none of the types."""
    text = (value or "").strip()
    for kind in _GUESS_ORDER if text else ():
        try:  # the normalisers themselves: a miss costs no translatable error (intake guesses each label)
            return kind, NORMALISERS[kind](text)  # type: ignore[operator]
        except ValueError:
            continue
    return None


def search_forms(value: str) -> list[str]:
    """The stored forms a searched value may have (exact, lower-case, compressed IP, upper CVE)."""
    text = value.strip()
    forms = {text, text.lower(), text.upper()}
    guessed = guess_observable(text)
    if guessed:
        forms.add(guessed[1])
    return sorted(f for f in forms if f)


# --- ATT&CK -----------------------------------------------------------------------------------

TECHNIQUE_ID = re.compile(r"^T\d{4}(?:\.\d{3})?$")


def check_technique_ids(ids: list[str]) -> list[str]:
    """Upper-cased, de-duplicated in order; the badly formed ones named in a 422."""
    seen: dict[str, None] = {}
    bad = []
    for raw in ids:
        tid = raw.strip().upper()
        if not TECHNIQUE_ID.match(tid):
            bad.append(raw)
        seen.setdefault(tid, None)
    if bad:
        raise ValidationError.for_fields({"techniques": [f"not an ATT&CK technique id: {b!r}" for b in bad]})
    return list(seen)


# --- sharing (TLP 2.0) ------------------------------------------------------------------------

AUDIENCES = ("external", "internal")
# TLP 2.0 labels in order of restriction, least first.
TLP_ORDER = ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED")


def may_leave(tlp: str, audience: str) -> bool:
    """TLP:RED never leaves; TLP:AMBER+STRICT only inside the organisation (`internal`)."""
    if tlp == "TLP:RED" or tlp not in TLP_ORDER:
        return False
    if tlp == "TLP:AMBER+STRICT":
        return audience == "internal"
    return True


def stricter(a: str, b: str) -> str:
    return a if TLP_ORDER.index(a) >= TLP_ORDER.index(b) else b


@dataclass(frozen=True)
class ExportRules:
    """What may go into one export: its audience and whether the caller sees detection."""

    audience: str
    sees_detection: bool

    def admits(self, tlp: str, detection: bool) -> bool:
        if detection and not (self.sees_detection and self.audience == "internal"):
            return False
        return may_leave(tlp, self.audience)
