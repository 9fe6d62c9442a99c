"""Any console address no page answers: a page that says so, with the console's header
and navigation (not the API's JSON). Installed last, after the static files."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.console.kit import message_page

router = APIRouter(include_in_schema=False)


@router.api_route("/console/{rest:path}", methods=["GET", "HEAD", "POST"])
async def missing(request: Request, rest: str):
    shown = request.url.path if len(request.url.path) <= 200 else request.url.path[:200] + "..."
    return await message_page(request, "Not found", f"There is no console page at {shown}.", 404)
