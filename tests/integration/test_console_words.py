"""The console speaks a support admin's language at a desk's width and a phone's (issue
33): each page of an ID card's life, at 1280 and 390 px, names types by their labels with
plurals and articles right, shows times in words, and breaks no word mid-letter."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.integration.conftest import signed_in

ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

# The text a person reads in <main>: without what one types or copies (code, the API
# names in <small>, form fields and their options).
READ = """() => { const main = document.querySelector('main').cloneNode(true);
  main.querySelectorAll('code, small, input, textarea, select, script').forEach(e => e.remove());
  return main.innerText; }"""

# Words broken mid-letter: each run of letters and digits of each text node in <main> (code
# aside) lies on one line (a line may break at a space or a hyphen, never inside a run).
BROKEN = """() => { const broken = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('code, svg, option, textarea, select')) continue;
    const text = node.textContent; const words = /[\\p{L}\\p{N}]+/gu; let m;
    while ((m = words.exec(text))) {
      const range = document.createRange(); range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    } }
  return broken; }"""

# Each drawn label of the neighbourhood picture that is wider than its circle.
OUTSIDE = """() => [...document.querySelectorAll('.neighbourhood g, .neighbourhood a')].filter(node => {
  const circle = node.querySelector('circle'), label = node.querySelector('text');
  return label && label.getBBox().width > 2 * circle.r.baseVal.value; }).map(n => n.textContent.trim())"""


@pytest.fixture(scope="module")
def id_cards(live):
    with httpx.Client(base_url=f"{live.url}/v1", headers={"Authorization": f"Bearer {live.token}"}) as api:
        api.post("/types", json={"name": "IdCard", "label": "ID card"}).raise_for_status()
        for attribute in ({"name": "number", "label": "Card number", "data_type": "string"},
                          {"name": "issued_on", "data_type": "date"},
                          {"name": "checked_at", "data_type": "datetime"},
                          {"name": "status", "data_type": "enum", "options": [
                              {"value": "valid", "label": "Valid"}, {"value": "lost", "label": "Reported lost"}]},
                          {"name": "holder", "data_type": "reference", "reference": {
                              "target": "Person", "cardinality": "one",
                              "inverse": {"name": "id_card", "cardinality": "one"}}}):
            api.post("/types/IdCard/attributes", json=attribute).raise_for_status()
        api.post("/objects/Person/batch", json={"records": [{
            "external_id": "wd-ada", "attributes": {"name": "Ada Lovelace-Byron of the Analytical Engine"}}]}
                 ).raise_for_status()
        card = api.post("/objects/IdCard", json={
            "external_id": "idc-1-with-a-long-external-id", "attributes": {
                "number": "X1234567", "issued_on": "2026-03-01", "checked_at": "2026-12-07T12:15:12.153Z",
                "status": "lost"}, "references": {"holder": {"external_id": "wd-ada"}}})
        card.raise_for_status()
        ada = api.get("/objects/Person", params={"external_id": "wd-ada"}).json()["data"][0]["id"]
    return {"card": card.json()["id"], "ada": ada}


@pytest.mark.parametrize("width", [1280, 390])
async def test_every_page_reads_in_labels_and_words_and_fits(chromium, live, id_cards, width):
    page = await signed_in(chromium, live, live.token, width=width)
    card, ada = id_cards["card"], id_cards["ada"]
    pages = {
        "/console/types": ["ID card"],
        "/console/types/IdCard": ["Browse and create ID cards", "Each ID card references one Person; each Person "
                                  "can have one ID card (id_card)", "Date and time", "Choice of one option"],
        "/console/types/IdCard/objects": ["ID cards", "Create an ID card", "1 Mar 2026", "Reported lost"],
        f"/console/types/IdCard/objects/{card}": ["Created", "ago", "7 Dec 2026, 12:15 UTC", "1 Mar 2026",
                                                  "Reported lost"],
        f"/console/types/Person/objects/{ada}": ["ID card", "idc-1-with-a-long-external-id"],
        "/console/types/IdCard/attributes/holder": ["Reference to People", "Allow each Person to be referenced by "
                                                    "multiple ID cards"],
        f"/console/types/IdCard/objects/{card}/delete": ["Delete ID card idc-1-with-a-long-external-id?",
                                                         "Its 1 association goes with it (Holder: 1)"],
        "/console/changes": ["Changes"],
    }
    for path, words in pages.items():
        answer = await page.goto(f"{live.url}{path}")
        assert answer.status == 200, path
        read = await page.evaluate(READ)
        for expected in words:
            assert expected in read, (path, expected, read)
        assert "IdCard" not in read, (path, read)  # the label, never the type's name, where a person reads
        assert not ISO_INSTANT.search(read), (path, read)
        assert await page.evaluate(BROKEN) == [], path
        assert await page.evaluate("document.documentElement.scrollWidth") <= width, path
        if "/objects/" in path:
            assert await page.evaluate(OUTSIDE) == [], path
        if path.startswith("/console/types/Person/objects/"):
            rule = await page.get_by_role("rowheader", name=re.compile("^id card", re.I)).inner_text()
            assert "Each Person references one ID card; each ID card can have one Person (holder)" in rule, rule
    await page.close()
