"""What a newcomer opens in a browser, in a real Chromium (Debian's, driven by Playwright):
Neo4j Browser styled by refgraph, and /docs and /redoc with no network but loopback."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page, Request, Route, async_playwright

from tests.conftest import BROWSER_API_PORT, live_api_server
from tests.integration.helpers import ORDER

CHROMIUM = os.environ.get("REFGRAPH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    assert os.path.exists(CHROMIUM), f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


async def offline_page(browser: Browser) -> tuple[Page, list[str]]:
    """A page that can reach loopback only, as on a machine without internet access; the
    list collects every request that tried to leave it."""
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    left: list[str] = []

    async def only_loopback(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname in LOOPBACK or request.url.startswith(("data:", "blob:")):
            await route.continue_()
        else:
            left.append(request.url)
            await route.abort("internetdisconnected")

    await page.route("**/*", only_loopback)
    return page, left


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_the_api_reference_renders_offline(chromium, neo4j_target, path):
    with live_api_server(neo4j_target) as live:
        page, left = await offline_page(chromium)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(live.url + path)
        if path == "/docs":  # Swagger UI: the title and an operation of the document
            await page.locator(".swagger-ui .info .title").filter(has_text="refgraph").wait_for()
            operations = page.locator(".opblock-summary-path")
        else:  # ReDoc: the title and an operation in its menu
            await page.locator("h1").filter(has_text="refgraph").wait_for()
            operations = page.locator("[role=menuitem]")
        await operations.filter(has_text="objects").first.wait_for()
        assert await operations.count() > 40
        assert left == [] and errors == []
        await page.close()


async def test_neo4j_browser_applies_the_refgraph_style(chromium, neo4j_target):
    if neo4j_target.browser_url is None:
        pytest.skip("Neo4j Browser is checked against the local server the tests start")
    with live_api_server(neo4j_target, port=BROWSER_API_PORT, browser_origins=neo4j_target.browser_url) as live:
        headers = {"Authorization": f"Bearer {live.token}"}
        with httpx.Client(base_url=live.url, headers=headers) as client:
            assert client.post("/v1/types", json=ORDER).status_code == 201
            for external_id, number in (("ord-1", "N-1001"), ("ord-2", "ORDER-100234")):  # the demo's numbers
                assert client.post("/v1/objects/Order", json={
                    "external_id": external_id, "attributes": {"order_number": number}}).status_code == 201
        page, left = await offline_page(chromium)
        await page.goto(f"{neo4j_target.browser_url}/browser/?dbms={neo4j_target.uri}")
        await page.get_by_test_id("username").fill(neo4j_target.user)
        await page.get_by_test_id("password").fill(neo4j_target.password)
        await page.get_by_test_id("connect").click()
        # After connecting, Browser runs `:style http://localhost:<port>/browser.grass`.
        await page.get_by_text("InvalidGrassError").or_(page.get_by_text('caption: "{external_id}"')) \
            .first.wait_for()
        assert await page.get_by_text("InvalidGrassError").count() == 0
        await page.get_by_test_id("activeEditor").click()
        await page.keyboard.type(f"MATCH (n:Order {{workspace: '{live.workspace}'}}) RETURN n")
        await page.get_by_test_id("editor-Run").click()
        # refgraph's style captions an Order by its order_number (Browser's own default
        # would caption it by its first property, the workspace).
        caption = page.locator("svg text").filter(has_text="N-1001")
        await caption.first.wait_for()
        # whole, not cut to "ORDER-…" to fit its circle
        assert await page.locator("svg text").filter(has_text="ORDER-100234").count() == 1
        assert await page.locator("svg text").filter(has_text=live.workspace).count() == 0
        # (Browser itself tries Google Fonts and its usage reporting: blocked, it works on.)
        await page.close()
