"""The suite's browser pages: a service serves its page, the kit's static files (the vendored libraries and the
sign-in every page shares) and the page's configuration; the page then calls the same REST APIs with the user's token.
"""

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from events.settings import ServiceSettings

KIT_STATIC = Path(__file__).parent / "static"
VENDOR = KIT_STATIC / "vendor"
# What `make install` copies out of libs/events/web/node_modules (pinned there, never fetched at run time).
VENDORED = ("pico.min.css", "chart.umd.min.js", "oidc-client-ts.min.js")


def suite_origins(settings: ServiceSettings) -> list[str]:
    """Where the suite's pages are served from: the origins of the services' URLs."""
    return sorted({_origin(url) for url in settings.service_urls.values() if url})


def cors_policy(settings: ServiceSettings) -> dict | None:
    """The pages' origins (`CORS_ORIGINS`, else the suite's own) may call the API with a bearer token, and read the
    headers a command answers with; None where no page calls it from elsewhere."""
    origins = settings.cors_origins or suite_origins(settings)
    if not origins:
        return None
    return {
        "allow_origins": origins,
        "allow_methods": ["GET", "POST", "PUT"],
        "allow_headers": ["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "Accept"],
        "expose_headers": ["ETag", "Location", "Idempotent-Replayed", "Content-Disposition"],
        "max_age": 600,
    }


def serve_page(app: FastAPI, page: str, directory: Path) -> None:
    """`/{page}` (the HTML in `directory/{page}.html`), its scripts under `/static/{page}/`, the kit's under
    `/static/kit/` and `/static/vendor/`, and `/{page}/config.json`: whom to sign in with, where each API is."""
    missing = [name for name in VENDORED if not (VENDOR / name).is_file()]
    if missing:
        raise RuntimeError(f"the vendored page libraries are missing ({', '.join(missing)}): run `make install`")
    settings: ServiceSettings = app.state.settings
    headers = {"Content-Security-Policy": content_policy(settings), "Cache-Control": "no-cache",
               "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}  # fmt: skip
    if not any(getattr(route, "name", None) == "kit" for route in app.routes):
        app.mount("/static/kit", StaticFiles(directory=KIT_STATIC / "kit"), name="kit")
        app.mount("/static/vendor", StaticFiles(directory=VENDOR), name="vendor")
    app.mount(f"/static/{page}", StaticFiles(directory=directory), name=page)

    @app.get(f"/{page}", include_in_schema=False)
    async def html() -> FileResponse:
        return FileResponse(directory / f"{page}.html", media_type="text/html", headers=headers)

    @app.get(f"/{page}/config.json", include_in_schema=False)
    async def config() -> dict:
        return page_config(settings)


def page_config(settings: ServiceSettings) -> dict:
    """What a page needs before it can call anything; it holds nothing secret."""
    return {
        "issuer": settings.auth_issuer,
        "client_id": settings.oidc_client_id,
        "scope": settings.oidc_scope,
        "services": settings.service_urls or {settings.service: ""},
    }


def content_policy(settings: ServiceSettings) -> str:
    """Scripts and styles from the service itself only; calls to the suite's APIs (and the issuer, to sign in)."""
    reachable = suite_origins(settings)
    if settings.oidc_client_id:
        reachable = sorted({*reachable, _origin(settings.auth_issuer)})
    connect = " ".join(["'self'", *reachable])
    # Chart.js sizes its canvas through the style attribute, hence the inline styles.
    return (f"default-src 'self'; connect-src {connect}; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline';"
            " object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
