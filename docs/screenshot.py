"""Take docs/browser.png: Neo4j Browser, connected to the local server, with refgraph's
style and one exploration query from the README. Run by hand, with `make run` up:

    apt-get install chromium          # Debian's Chromium (`make test` installs it)
    .venv/bin/python docs/screenshot.py [--browser http://localhost:7474] [--bolt neo4j://localhost:7687]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from service.config import Settings

QUERY = """MATCH (p:Person {workspace: 'default', external_id: 'cust-22'})
OPTIONAL MATCH path = (p)-[*1..2]-(:!_Type&!_Attribute&!_Workspace)
RETURN p, path"""
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", default=f"http://localhost:{settings.neo4j_http_port}")
    parser.add_argument("--bolt", default=f"neo4j://localhost:{settings.neo4j_bolt_port}")
    parser.add_argument("--out", default=str(Path(__file__).with_name("browser.png")))
    args = parser.parse_args()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = chromium.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{args.browser}/browser/?dbms={args.bolt}")
        page.get_by_test_id("username").fill(settings.neo4j_user)
        page.get_by_test_id("password").fill(settings.neo4j_password.get_secret_value())
        page.get_by_test_id("connect").click()
        page.wait_for_timeout(4000)  # connected; the post-connect `:style <url>` has run
        page.get_by_test_id("activeEditor").click()
        page.keyboard.type(QUERY.replace("\n", " "))
        page.get_by_test_id("editor-Run").click()
        page.wait_for_timeout(6000)  # the force layout settles
        page.screenshot(path=args.out)
        chromium.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
