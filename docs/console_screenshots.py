"""Take the console's screenshots in docs/ (console-*.png) from a running `make run` with
its demo data. Nothing is changed: the cardinality change is shown at its dry run and
cancelled, the connector's form is filled in and not saved, and the selector step's buttons
are previewed, not picked, and the delete stops at its confirmation page. Run by hand, with `make run` up:

    .venv/bin/python docs/console_screenshots.py [--api http://localhost:8000] [--token dev-token]
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).parent
CHROMIUM = os.environ.get("REFGRAPH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=HERE / f"console-{name}.png", full_page=True)
    print(f"wrote docs/console-{name}.png")


def pages(page: Page, api: str) -> None:
    page.goto(f"{api}/console/types")
    shoot(page, "types")
    page.goto(f"{api}/console/types/Order")
    shoot(page, "type")
    page.goto(f"{api}/console/types/Person/objects?external_id=cust-22")
    page.get_by_role("link", name="cust-22").click()
    shoot(page, "object")
    page.get_by_role("link", name="Delete this Person…").click()  # what would go with it; not confirmed
    shoot(page, "delete")
    page.goto(f"{api}/console/types/Order/attributes/customer")
    page.get_by_label("Allow each Person to be referenced by multiple").uncheck()
    page.get_by_role("button", name="Save changes").click()  # the dry run; cancelled below
    shoot(page, "review")
    page.get_by_role("link", name="Cancel").click()
    page.goto(f"{api}/console/connectors/new")  # filled in, never saved
    page.get_by_label("Name", exact=True).fill("Get order options")
    page.get_by_label("Description", exact=True).fill("The customer's recent orders, to pick one in the conversation")
    page.get_by_label("URL", exact=True).fill("https://shop.example.com/api/orders")
    page.get_by_label("Query parameters").fill("email={{conversation.contact.email}}")
    page.get_by_label("Headers").fill("Accept: application/json")
    page.get_by_label("Object type").select_option("Order")
    page.get_by_label("Records", exact=True).fill("data.orders")
    page.get_by_label("External id", exact=True).fill("id")
    page.get_by_label("Attributes", exact=True).fill("order_number = number\ntotal = amount.value")
    page.get_by_label("References (optional)").fill("customer = customer_id")
    page.get_by_label("Reference to update").select_option("Conversation.order_options")
    shoot(page, "connector")
    page.goto(f"{api}/console/selectors")
    page.get_by_role("link", name="Pick an order").click()
    page.get_by_label("Conversation (id or external id)").fill("conv-22-0")
    page.get_by_role("button", name="Show the buttons").click()  # a read: nothing is picked
    shoot(page, "selector")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", default="http://localhost:8000")
    parser.add_argument("--token", default="dev-token")
    args = parser.parse_args()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = chromium.new_page(viewport={"width": 1200, "height": 800})
        page.goto(f"{args.api}/console")
        page.get_by_label("Token").fill(args.token)
        page.get_by_role("button", name="Sign in").click()
        pages(page, args.api)
        page.set_viewport_size({"width": 390, "height": 800})
        page.goto(f"{args.api}/console/types/Order/objects")
        shoot(page, "mobile")
        chromium.close()


if __name__ == "__main__":
    main()
