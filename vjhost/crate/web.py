"""The crate page on the web surface: ``/crate`` (the page) and ``/crate.json`` (what it shows).

Both sit behind the surface's token like the control page.  The page polls
``/crate.json`` about once a second -- what is playing, the top five with
their reasons, the look, the room energy and the crate map with the played
path -- and sends what the DJ taps over the surface's websocket as actions
(``crate.playing``, ``crate.energy``, ``crate.auto``), which the companion
hears through the control state like any other surface's.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["add_routes", "crate_page"]


def crate_page() -> bytes:
    """crate.html with crate.css and crate.js inlined (one document behind the token)."""
    from vjhost.control.web import static_file

    html = static_file("crate.html").read_text(encoding="utf-8")
    css = static_file("crate.css").read_text(encoding="utf-8")
    js = static_file("crate.js").read_text(encoding="utf-8")
    html = html.replace('<link rel="stylesheet" href="crate.css">', f"<style>\n{css}</style>")
    html = html.replace('<script src="crate.js"></script>', f"<script>\n{js}</script>")
    return html.encode("utf-8")


def add_routes(surface: Any, companion: Any) -> None:
    """Serve the crate page and its JSON on ``surface`` (a :class:`~vjhost.control.web.WebSurface`)."""
    page = crate_page()

    def data() -> tuple[str, bytes]:
        try:
            body = companion.snapshot()
        except Exception as exc:  # noqa: BLE001 - the page shows the problem; the surface goes on
            body = {"error": f"{type(exc).__name__}: {exc}"}
        return "application/json", json.dumps(body).encode("utf-8")

    surface.routes["/crate"] = lambda: ("text/html; charset=utf-8", page)
    surface.routes["/crate.json"] = data
