from pathlib import Path

from service.local_neo4j import LocalNeo4j


def test_browser_applies_refgraphs_style_after_connecting_when_given_its_url():
    server = LocalNeo4j(home=Path("/tmp/x"), classpath="", bolt_port=1, http_port=2, password="p",
                        browser_style_url="http://localhost:8000/browser.grass")
    lines = server.config().splitlines()
    assert "browser.post_connect_cmd=style http://localhost:8000/browser.grass" in lines
    assert "browser.remote_content_hostname_whitelist=localhost" in lines
    plain = LocalNeo4j(home=Path("/tmp/x"), classpath="", bolt_port=1, http_port=2, password="p")
    assert "post_connect_cmd" not in plain.config()
