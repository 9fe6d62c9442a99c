"""A Python client generated from the OpenAPI document with a standard generator
(openapi-python-client), as docs/clients.md tells users to, calls the real app."""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import live_api_server

BIN = Path(sys.executable).parent


def test_a_generated_python_client_works(neo4j_target, tmp_path):
    with live_api_server(neo4j_target) as live:
        import httpx

        (tmp_path / "openapi.json").write_text(json.dumps(httpx.get(f"{live.url}/openapi.json").json()))
        generated = subprocess.run(
            [str(BIN / "openapi-python-client"), "generate", "--path", "openapi.json", "--meta", "none",
             "--output-path", "refgraph_client"],
            cwd=tmp_path, capture_output=True, text=True, timeout=300,
            env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"})
        assert generated.returncode == 0, generated.stdout + generated.stderr
        assert "Warning" not in generated.stdout, generated.stdout
        sys.path.insert(0, str(tmp_path))
        try:
            client_module = importlib.import_module("refgraph_client")
            create_type = importlib.import_module("refgraph_client.api.schema.create_type")
            upsert_object = importlib.import_module("refgraph_client.api.objects.upsert_object")
            models = importlib.import_module("refgraph_client.models")
            client = client_module.AuthenticatedClient(base_url=live.url, token=live.token)
            created = create_type.sync(client=client, body=models.TypeCreate.from_dict(
                {"name": "Subscription", "attributes": [{"name": "plan", "data_type": "string"}]}))
            assert created.name == "Subscription" and [a.name for a in created.attributes] == ["plan"]
            written = upsert_object.sync_detailed(type_="Subscription", client=client, body=models.ObjectWrite.from_dict(
                {"external_id": "sub-1", "attributes": {"plan": "pro"}}))
            assert written.status_code == 201 and written.parsed.attributes["plan"] == "pro"
            refused = upsert_object.sync_detailed(type_="Subscription", client=client, body=models.ObjectWrite.from_dict(
                {"external_id": "sub-2", "attributes": {"plan": 3}}))
            assert refused.status_code == 422 and refused.parsed.error.code == "invalid_records"
        finally:
            sys.path.remove(str(tmp_path))
            for name in [m for m in sys.modules if m.startswith("refgraph_client")]:
                del sys.modules[name]
