"""GET /browser.grass: refgraph's Neo4j Browser style, for `:style <url>` in Browser
(which fetches it cross-origin, hence the CORS header). No token: it holds no data."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from service.config import PROJECT_ROOT

GRASS = PROJECT_ROOT / "docs" / "refgraph.grass"

router = APIRouter(tags=["browser"])


@router.get("/browser.grass", response_class=PlainTextResponse)
async def browser_style() -> PlainTextResponse:
    return PlainTextResponse(GRASS.read_text(), headers={"Access-Control-Allow-Origin": "*"})
