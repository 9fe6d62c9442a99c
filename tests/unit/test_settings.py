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
    with pytest.raises(ValidationError, match="NEO4J_PASSWORD"):
        Settings(environment="production", tokens="real:acme")
    with pytest.raises(ValidationError, match="SECRETS_KEY"):
        Settings(environment="production", tokens="real:acme", neo4j_password="a-real-one")
    Settings(environment="production", tokens="real:acme", neo4j_password="a-real-one",
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
