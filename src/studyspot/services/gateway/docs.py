"""`/docs`: Swagger UI from files the gateway serves itself, never from a CDN.

A page that loads its script from a third party's host runs whatever that host
serves, with the caller's token typed into it, and fails offline. The
`swagger-ui-bundle-v2` package ships Swagger UI's release files (version 5:
it renders OpenAPI 3.1); they are read once at start and served from
`/docs/assets/` with a policy that lets the page load nothing from elsewhere.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.openapi.docs import get_swagger_ui_html
from swagger_ui_bundle import swagger_ui_path

ASSET_PREFIX = "/docs/assets/"
_TYPES = {
    "swagger-ui-bundle.js": b"text/javascript; charset=utf-8",
    "swagger-ui.css": b"text/css; charset=utf-8",
    "favicon-32x32.png": b"image/png",
}
# The page's own inline start-up script and Swagger UI's inline styles and data: icons;
# scripts, styles, images and API calls only from this origin.
DOCS_POLICY = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; "
    b"style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    b"base-uri 'none'; form-action 'self'; object-src 'none'"
)
# The files change only with the package version; a day in caches is plenty.
ASSET_CACHE = b"public, max-age=86400"


class DocsPage:
    def __init__(self, openapi_url: str = "/openapi.json") -> None:
        root = Path(str(swagger_ui_path))
        self.assets: dict[str, tuple[bytes, bytes]] = {
            name: ((root / name).read_bytes(), content_type)
            for name, content_type in _TYPES.items()
        }
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title="StudySpot API",
            swagger_js_url=ASSET_PREFIX + "swagger-ui-bundle.js",
            swagger_css_url=ASSET_PREFIX + "swagger-ui.css",
            swagger_favicon_url=ASSET_PREFIX + "favicon-32x32.png",
            # No validator badge: it would send our document's address to a public validator.
            swagger_ui_parameters={"validatorUrl": None},
        )
        self.html = bytes(page.body)

    def asset(self, path: str) -> tuple[bytes, bytes] | None:
        """(body, content type) of `/docs/assets/<name>`, None for any other name."""
        return self.assets.get(path.removeprefix(ASSET_PREFIX))
