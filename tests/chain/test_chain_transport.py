"""What a node that is not a clean JSON-RPC answer turns into: an HTTP error status (a proxy in
front of a restarting Besu, a wrong path) is ChainUnavailable, a URL that is no HTTP URL is
InvalidInput, and a development request the node refuses is InvalidInput, not a silent no-op."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chain_client.chain import Chain
from mulu.errors import ChainUnavailable, InvalidInput


class _Status(BaseHTTPRequestHandler):
    status = 503

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(self.status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(params=[404, 502, 503])
def erroring_url(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = type("Handler", (_Status,), {"status": request.param})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_an_http_error_status_is_chain_unavailable(erroring_url: str) -> None:
    with pytest.raises(ChainUnavailable, match="answered with an error"):
        Chain.connect(erroring_url, timeout=5)


@pytest.mark.parametrize("url", ["http://[::1", "ftp://127.0.0.1/", "127.0.0.1:8545"])
def test_a_url_that_is_no_http_url_is_invalid_input(url: str) -> None:
    with pytest.raises(InvalidInput, match="not a usable JSON-RPC URL"):
        Chain.connect(url, timeout=5)


@pytest.mark.anvil
def test_a_refused_development_request_is_not_a_success(anvil_url: str) -> None:
    chain = Chain.connect(anvil_url)
    before = chain.timestamp()
    with pytest.raises(InvalidInput, match="the node refused evm_increaseTime"):
        chain.advance_time(2**64)  # anvil answers with an error and moves nothing
    assert chain.advance_time(60) >= before + 60  # a sane request still works
