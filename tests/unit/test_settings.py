import pytest
from pydantic import ValidationError

from service.config import DEV_TOKEN, Settings


def test_tokens_are_token_workspace_pairs():
    settings = Settings(tokens="a1:acme, b2:globex,")
    assert settings.token_workspaces() == {"a1": "acme", "b2": "globex"}


@pytest.mark.parametrize("tokens", ["justatoken", ":ws", "tok:"])
def test_malformed_tokens_are_refused(tokens):
    with pytest.raises(ValidationError, match="token:workspace"):
        Settings(tokens=tokens)


def test_defaults_are_refused_outside_local_development():
    with pytest.raises(ValidationError, match="dev token"):
        Settings(environment="production", neo4j_password="a-real-one")
    real = "real-token-of-at-least-32-characters:acme"
    with pytest.raises(ValidationError, match="NEO4J_PASSWORD"):
        Settings(environment="production", tokens=real)
    with pytest.raises(ValidationError, match="SECRETS_KEY"):
        Settings(environment="production", tokens=real, neo4j_password="a-real-one")
    with pytest.raises(ValidationError, match="shorter than 32 characters"):
        Settings(environment="production", tokens="real:acme", neo4j_password="a-real-one",
                 secrets_key="ZmFrZS1idXQtdmFsaWQta2V5LWZvci10ZXN0cy0zMmI=")
    Settings(environment="production", tokens=real, neo4j_password="a-real-one",
             secrets_key="ZmFrZS1idXQtdmFsaWQta2V5LWZvci10ZXN0cy0zMmI=")


def test_neo4j_uri_is_read_without_prefix(monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "neo4j://cluster.example:7687")
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret")
    monkeypatch.setenv("REFGRAPH_API_PORT", "9000")
    settings = Settings()
    assert settings.neo4j_uri == "neo4j://cluster.example:7687"
    assert settings.neo4j_password.get_secret_value() == "s3cret"
    assert settings.api_port == 9000
    assert DEV_TOKEN in Settings().token_workspaces()


def test_serving_beyond_loopback_with_development_credentials_is_refused(monkeypatch):
    from service.config import Settings

    monkeypatch.delenv("REFGRAPH_ENVIRONMENT", raising=False)
    settings = Settings()
    assert settings.exposure_problem("127.0.0.1") is None and settings.exposure_problem("localhost") is None
    problem = settings.exposure_problem("0.0.0.0")
    assert "REFGRAPH_TOKENS" in problem and "NEO4J_PASSWORD" in problem and "REFGRAPH_ENVIRONMENT" in problem
    monkeypatch.setenv("REFGRAPH_ENVIRONMENT", "local")
    assert Settings().exposure_problem("0.0.0.0") is None  # said on purpose


def test_refgraph_serve_refuses_to_listen_on_every_address_with_the_dev_token(monkeypatch):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("REFGRAPH_", "NEO4J_"))}
    result = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--host", "0.0.0.0"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "refusing to listen on 0.0.0.0" in result.stdout, result.stdout + result.stderr


def test_a_webhook_lease_must_outlast_a_delivery():
    Settings(webhook_timeout_s=10, webhook_lease_s=30)
    with pytest.raises(ValidationError, match="more than twice"):
        Settings(webhook_timeout_s=20, webhook_lease_s=30)


def test_docs_settings_md_lists_every_setting_under_its_concern():
    """docs/settings.md has a section per settings class (its heading names the class), and
    each section lists exactly that class's variables."""
    import re
    from pathlib import Path

    from service.config import CONCERNS

    page = (Path(__file__).resolve().parents[2] / "docs" / "settings.md").read_text()
    sections = dict(re.findall(r"^## [^\n]*\(`(\w+)`\)\n(.*?)(?=^## |\Z)", page, re.M | re.S))
    assert list(sections) == [concern.__name__ for concern in CONCERNS]
    for concern in CONCERNS:
        variables = {field.validation_alias.choices[0] if field.validation_alias else f"REFGRAPH_{name.upper()}"
                     for name, field in concern.model_fields.items()}
        documented = set(re.findall(r"`((?:REFGRAPH|NEO4J)_[A-Z0-9_]+)`",
                                    "\n".join(row.split("|")[1] for row in sections[concern.__name__].splitlines()
                                              if row.startswith("| `"))))
        assert documented == variables, f"{concern.__name__}: docs/settings.md lists {sorted(documented)}"
