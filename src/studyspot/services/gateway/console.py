"""The owner console (web/dist, built by `scripts/web build`) served at `/` by the gateway.

What is served, and what never is:
- `/assets/<name>`: Vite's content-hashed files, cached for a year as immutable
  (a new build has new names, so a browser never keeps a stale one).
- other files at the top of `dist/` (favicon …): cached briefly.
- any other GET or HEAD of a path outside the API that asks for HTML: the SPA's
  `index.html`, never cached, so a deploy is picked up on the next load.
- never `/api`, `/api/*`, `/internal*`, `/health*`, `/metrics`, `/openapi.json`,
  `/docs`: those keep the gateway's behaviour, and an unknown API path stays a
  problem+json 404 instead of an HTML page a client cannot parse.
Without a build, a page request gets a 503 problem naming the command that builds it.

Files are read once and kept with their gzip form, keyed by modification time,
so a rebuild while the gateway runs is served at once.
"""

from __future__ import annotations

import gzip
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import orjson
from cachetools import LRUCache
from starlette.types import Send

from studyspot.kit.errors import PROBLEM_JSON, problem_body

IMMUTABLE = b"public, max-age=31536000, immutable"
NO_CACHE = b"no-cache"
SHORT = b"public, max-age=3600"
# Razorpay Checkout's payment frames (its documented web integration).
RAZORPAY_FRAMES = "https://api.razorpay.com"
# Cashfree's checkout pages, which its JS SDK opens in a frame (production and sandbox).
CASHFREE_FRAMES = ("https://payments.cashfree.com", "https://sandbox.cashfree.com")


def content_security_policy(checkout_script_url: str, cashfree_script_url: str = "") -> bytes:
    """The console calls only its own origin; Mantine sets inline style attributes. The
    foreign scripts are Razorpay Checkout's and Cashfree's JS SDK (paying the platform for
    an upgrade or message credits), and the foreign frames their payment forms."""
    checkout = _origin(checkout_script_url)
    scripts = [checkout]
    frames = [checkout, RAZORPAY_FRAMES]
    if cashfree_script_url:
        cashfree = _origin(cashfree_script_url)
        scripts.append(cashfree)
        frames += [cashfree, *CASHFREE_FRAMES]
    script_src = " ".join(dict.fromkeys(scripts))
    frame_src = " ".join(dict.fromkeys(frames))
    return (
        f"default-src 'self'; script-src 'self' {script_src}; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:; connect-src 'self'; frame-src {frame_src}; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    ).encode()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


_NEVER = ("/api", "/internal", "/health", "/metrics", "/openapi.json", "/docs")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
_COMPRESSIBLE = (".js", ".css", ".html", ".svg", ".json", ".txt", ".map", ".webmanifest")
_MAX_CACHED = 256


def default_dist() -> Path:
    """`web/dist` of the checkout this package runs from (an editable install)."""
    return Path(__file__).resolve().parents[4] / "web" / "dist"


def _outside_api(path: str) -> bool:
    for prefix in _NEVER:
        if path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "."):
            return False
    # `/api-docs`, `/healthz`…: anything that merely starts like an API path is not ours either.
    return not path.startswith(("/api", "/internal", "/health"))


@dataclass(frozen=True, slots=True)
class _File:
    mtime_ns: int
    body: bytes
    gzipped: bytes | None
    content_type: bytes


class Console:
    def __init__(
        self, dist: Path | None, *, checkout_script_url: str, cashfree_script_url: str = ""
    ) -> None:
        self.dist = (dist or default_dist()).resolve()
        self.csp = content_security_policy(checkout_script_url, cashfree_script_url)
        self._files: LRUCache[Path, _File] = LRUCache(maxsize=_MAX_CACHED)

    def claims(self, method: str, path: str, accept: str) -> bool:
        """Whether this request is the console's (everything else goes on to the API routes)."""
        if method not in ("GET", "HEAD") or not _outside_api(path):
            return False
        if path.startswith("/assets/") or self._top_level_file(path) is not None:
            return True
        return "text/html" in accept or path == "/"

    def _top_level_file(self, path: str) -> Path | None:
        name = path[1:]
        if not _NAME.fullmatch(name) or name == "index.html":
            return None
        candidate = self.dist / name
        return candidate if candidate.is_file() else None

    def _load(self, file: Path) -> _File | None:
        try:
            stat = file.stat()
        except OSError:
            return None
        cached = self._files.get(file)
        if cached is not None and cached.mtime_ns == stat.st_mtime_ns:
            return cached
        try:
            body = file.read_bytes()
        except OSError:
            return None
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "image/svg+xml"):
            kind += "; charset=utf-8"
        zipped = None
        if file.suffix in _COMPRESSIBLE and len(body) > 1024:
            zipped = gzip.compress(body, compresslevel=6, mtime=0)
        loaded = _File(stat.st_mtime_ns, body, zipped, kind.encode())
        self._files[file] = loaded
        return loaded

    async def serve(
        self,
        path: str,
        method: str,
        accept_encoding: str,
        send: Send,
        extra: list[tuple[bytes, bytes]],
    ) -> int:
        """Answer a request `claims` accepted; returns the status sent."""
        if path.startswith("/assets/"):
            name = path[len("/assets/") :]
            file = self.dist / "assets" / name if _NAME.fullmatch(name) else None
            loaded = self._load(file) if file is not None else None
            if loaded is None:
                return await _problem(send, 404, "not_found", "No such console asset", extra)
            return await _file(send, method, loaded, IMMUTABLE, accept_encoding, extra)
        if (top := self._top_level_file(path)) is not None and (loaded := self._load(top)):
            return await _file(send, method, loaded, SHORT, accept_encoding, extra)
        index = self._load(self.dist / "index.html")
        if index is None:
            return await _problem(
                send,
                503,
                "console_not_built",
                "The owner console is not built: run `scripts/web build` "
                "(./scripts/start does it) and reload",
                extra,
            )
        headers = [*extra, (b"content-security-policy", self.csp)]
        return await _file(send, method, index, NO_CACHE, accept_encoding, headers)


async def _file(
    send: Send,
    method: str,
    f: _File,
    cache_control: bytes,
    accept_encoding: str,
    extra: list[tuple[bytes, bytes]],
) -> int:
    body, encoding = f.body, None
    if f.gzipped is not None and "gzip" in accept_encoding.lower():
        body, encoding = f.gzipped, b"gzip"
    headers = [
        (b"content-type", f.content_type),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", cache_control),
        (b"x-content-type-options", b"nosniff"),
        *extra,
    ]
    if f.gzipped is not None:
        headers.append((b"vary", b"Accept-Encoding"))
    if encoding:
        headers.append((b"content-encoding", encoding))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
    return 200


async def _problem(
    send: Send, status: int, code: str, detail: str, extra: list[tuple[bytes, bytes]]
) -> int:
    body = orjson.dumps(problem_body(status, code, detail))
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return status
