"""A slow download holds no Neo4j transaction: a client that starts a CSV report and
stops reading leaves nothing open in Neo4j, so many such clients leave the driver's pool
free for everyone else. Each CSV is ~2.4 MB: more than the kernel and uvicorn buffer for
a reader that stops. REFGRAPH_TEST_SLOW_READERS=150 REFGRAPH_TEST_POOL=100 runs the
issue's full case (the default pool) by hand; the suite runs twice the pool, 10 against 5."""

import os
import socket

import httpx

from tests.conftest import live_api_server

READERS = int(os.environ.get("REFGRAPH_TEST_SLOW_READERS", "10"))
POOL = int(os.environ.get("REFGRAPH_TEST_POOL", "5"))
PEOPLE = 6_000
REPORT = f"/v1/reports/people_without_passport?format=csv&limit={PEOPLE}"


def _slow_reader(url: str, token: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the server must wait
    sock.connect((host, int(port)))
    sock.sendall(f"GET {REPORT} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    assert sock.recv(12).startswith(b"HTTP/1.1 200"), "the report started"
    return sock


def _open_report_transactions(graph) -> int:
    records, _, _ = graph.execute_query("SHOW TRANSACTIONS YIELD metaData WHERE metaData.report = "
                                        "'people_without_passport' RETURN count(*) AS n", database_="neo4j")
    return records[0]["n"]


def test_slow_csv_readers_hold_no_transaction_and_leave_the_pool_free(neo4j_target, graph):
    with live_api_server(neo4j_target, neo4j_max_connections=POOL) as live, \
            httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {live.token}"}, timeout=60) as client:
        people = [{"external_id": f"p{i:05d}", "attributes": {"name": "n" * 380}} for i in range(PEOPLE)]
        assert client.post("/v1/objects/Person/batch", json={"records": people}).status_code == 200
        readers = []
        try:
            readers.append(_slow_reader(live.url, live.token))
            assert _open_report_transactions(graph) == 0, "a stalled download keeps its transaction open"
            for _ in range(READERS - 1):
                readers.append(_slow_reader(live.url, live.token))
            for _ in range(3):  # every reader now holds an unread response; nobody reads on
                answer = client.get("/v1/types")
                assert answer.status_code == 200, answer.text
            assert _open_report_transactions(graph) == 0
        finally:
            for sock in readers:
                sock.close()
