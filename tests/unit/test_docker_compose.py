"""docker-compose.yml cannot run here (no Docker engine); check it says what we mean."""

import yaml

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_neo4j_526_community_with_health_and_volume():
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    neo4j = compose["services"]["neo4j"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert "test" in neo4j["healthcheck"]
    volume = neo4j["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]
    assert set(neo4j["ports"]) == {"127.0.0.1:7474:7474", "127.0.0.1:7687:7687"}  # loopback only


def test_every_port_is_published_on_loopback_only():
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    ports = [p for service in compose["services"].values() for p in service.get("ports", [])]
    assert ports and all(p.startswith("127.0.0.1:") for p in ports)


def test_api_waits_for_healthy_neo4j_and_is_configured_by_neo4j_uri():
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    api = compose["services"]["api"]
    assert api["build"]["dockerfile"] == "Dockerfile"
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert api["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"
    assert (PROJECT_ROOT / "Dockerfile").exists()


def test_browser_in_the_container_gets_refgraphs_style_from_the_api():
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    env = compose["services"]["neo4j"]["environment"]
    assert env["NEO4J_browser_post__connect__cmd"] == "style http://localhost:8000/browser.grass"
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "pip wheel" in dockerfile and "/wheels/*.whl" in dockerfile and " -e " not in dockerfile


def test_the_image_builds_its_wheel_from_everything_the_wheel_carries():
    """The Dockerfile's build stage copies what pyproject.toml builds the wheel from: the
    package and the top-level cypher/ (force-included as service/cypher), or the image
    would have no queries."""
    import re
    import tomllib

    build = (PROJECT_ROOT / "Dockerfile").read_text().split("FROM ")[1]
    copied = {source for line in re.findall(r"^COPY (.+)$", build, re.M) for source in line.split()[:-1]}
    wheel = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {*wheel["packages"], *wheel["force-include"], "pyproject.toml", "README.md"}
    assert needed <= copied, needed - copied
