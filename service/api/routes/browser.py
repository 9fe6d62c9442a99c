"""GET /browser.grass: refgraph's Neo4j Browser style, for `:style <url>` in Browser.

Browser fetches it cross-origin with a tracing header, so Chromium first sends a CORS
preflight (``OPTIONS``). Both answers carry CORS headers for Neo4j Browser's origins only
(``REFGRAPH_BROWSER_ORIGINS``), on this route only; no token: the style holds no data.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from service.config import PACKAGE

GRASS = PACKAGE / "refgraph.grass"
PREFLIGHT_MAX_AGE_S = 600

router = APIRouter(tags=["browser"])


def _cors(request: Request) -> dict[str, str]:
    origin = request.headers.get("origin")
    if origin is None or origin not in request.app.state.browser_origins:
        return {"Vary": "Origin"}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


@router.get("/browser.grass", response_class=PlainTextResponse)  # its words: service/api/reference.py
async def browser_style(request: Request) -> PlainTextResponse:
    return PlainTextResponse(GRASS.read_text(), headers=_cors(request))


@router.options("/browser.grass", include_in_schema=False)
async def browser_style_preflight(request: Request) -> Response:
    headers = _cors(request)
    if "Access-Control-Allow-Origin" in headers:
        headers.update({
            "Access-Control-Allow-Methods": "GET",
            "Access-Control-Allow-Headers": request.headers.get("access-control-request-headers", ""),
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S),
        })
    return Response(status_code=204, headers=headers)
