"""Fixtures of the console's browser tests: Debian's Chromium driven by Playwright, and
the real app on loopback (one per test module)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.conftest import live_api_server

CHROMIUM = os.environ.get("REFGRAPH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        await browser.close()


@pytest.fixture(scope="module")
def live(neo4j_target):
    with live_api_server(neo4j_target) as live:
        yield live


async def signed_in(chromium: Browser, live, token: str, width: int = 1200) -> Page:
    """A new page signed in to the console with ``token``."""
    page = await chromium.new_page(viewport={"width": width, "height": 800})
    await page.goto(f"{live.url}/console")
    await page.get_by_label("Token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    return page
