"""The server refuses garbage with an error (or closes the connection) and stays healthy."""

import random
import socket
import time

import pytest

from e2e_util import parse_error


def _exchange(port: int, payload: bytes, *, timeout: float = 5.0,
              shutdown_write: bool = False) -> bytes:
    """Sends raw bytes; returns whatever comes back before the peer closes or times out."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(payload)
            if shutdown_write:
                sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server may close first: refused early
            pass
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
            if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                break
        return b"".join(chunks)


def _complete(reply: bytes) -> bool:
    head, _, body = reply.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return True


def _status(reply: bytes) -> int | None:
    if not reply.startswith(b"HTTP/1."):
        return None
    return int(reply.split(b" ", 2)[1])


def _assert_refused(reply: bytes, allowed=(400, 403, 405, 411, 413, 414, 415, 431)):
    status = _status(reply)
    # Either an HTTP error answer or a closed connection; never a 5xx, never a success.
    assert status is None or status in allowed, reply[:500]
    if status is None:
        assert reply == b"", reply[:200]


def _assert_healthy(pc):
    assert pc.server.alive(), pc.server.output()[-3000:]
    assert pc.raw("GET", "/health/live").status == 200
    resp = pc.signed_query({"Action": "ListUsers"})
    assert resp.status == 200, resp.text


def test_non_form_body(pc):
    resp = pc.signed_query({}, body=b'{"Action": "ListUsers"}', content_type="application/json")
    assert 400 <= resp.status < 500, resp.text
    resp = pc.signed_query({}, body=bytes(range(256)) * 4,
                           content_type="application/x-www-form-urlencoded")
    assert 400 <= resp.status < 500, resp.text
    parse_error(resp)
    resp = pc.signed_query({}, body=b"Action=ListUsers&Version=2010-05-08&%zz=%",
                           content_type="application/x-www-form-urlencoded")
    assert resp.status == 400 or resp.status == 200, resp.text
    _assert_healthy(pc)


def test_huge_header(pc):
    big = b"x" * (256 * 1024)
    reply = _exchange(pc.port, b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + big
                      + b"\r\n\r\n")
    _assert_refused(reply)
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(5000))
    reply = _exchange(pc.port, b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n" + many
                      + b"\r\n")
    _assert_refused(reply)
    _assert_healthy(pc)


def test_oversized_body(pc):
    size = 64 * 1024 * 1024
    head = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n" % size)
    reply = _exchange(pc.port, head + b"Action=ListUsers&" + b"a" * (1024 * 1024))
    _assert_refused(reply)
    # Chunked, too big.
    chunk = b"a" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(200)) + b"0\r\n\r\n"
    reply = _exchange(pc.port, b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n" + body)
    _assert_refused(reply)
    _assert_healthy(pc)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bytes(pc, seed):
    rng = random.Random(seed)
    payload = bytes(rng.randrange(256) for _ in range(8192))
    reply = _exchange(pc.port, payload, timeout=3, shutdown_write=True)
    _assert_refused(reply)
    _assert_healthy(pc)


def test_broken_requests(pc):
    cases = [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde",
        b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 Credential=,,,\r\n"
        b"Content-Length: 0\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + b"A" * 20000 + b"\r\n"
        b"Content-Length: 0\r\n\r\n",
    ]
    for payload in cases:
        reply = _exchange(pc.port, payload, timeout=3, shutdown_write=True)
        _assert_refused(reply)
    # A connection that sends half a request and goes away.
    with socket.create_connection(("127.0.0.1", pc.port)) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=")
    # Many connections opened and dropped at once.
    socks = [socket.create_connection(("127.0.0.1", pc.port)) for _ in range(50)]
    for s in socks:
        s.close()
    _assert_healthy(pc)


def test_bad_authorization_headers(pc):
    import urllib.parse
    body = urllib.parse.urlencode({"Action": "ListUsers", "Version": "2010-05-08"}).encode()
    for auth in ["AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=AKIA/x, SignedHeaders=, "
                 "Signature=zz", "Basic dXNlcjpwYXNz", "AWS4-HMAC-SHA256 " + "Credential=" * 500]:
        resp = pc.raw("POST", "/", body, {"Content-Type": "application/x-www-form-urlencoded",
                                           "Authorization": auth,
                                           "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ",
                                                                       time.gmtime())})
        assert resp.status in (400, 403), (auth[:40], resp.status, resp.text)
        parse_error(resp)
    _assert_healthy(pc)


def _read_responses(sock, count: int, timeout: float = 5.0) -> list[bytes]:
    """Reads `count` HTTP responses with Content-Length bodies from one connection."""
    sock.settimeout(timeout)
    buf = b""
    out = []
    while len(out) < count:
        while b"\r\n\r\n" not in buf:
            data = sock.recv(65536)
            if not data:
                return out
            buf += data
        head, _, rest = buf.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            data = sock.recv(65536)
            if not data:
                break
            rest += data
        out.append(head + b"\r\n\r\n" + rest[:length])
        buf = rest[length:]
    return out


def test_keep_alive_and_pipelining(pc):
    with socket.create_connection(("127.0.0.1", pc.port), timeout=5) as sock:
        for _ in range(3):  # sequential requests on one connection
            sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            [reply] = _read_responses(sock, 1)
            assert _status(reply) == 200
        # Three pipelined requests in one write: three answers, in order.
        sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n" * 3)
        replies = _read_responses(sock, 3)
        assert [_status(r) for r in replies] == [200, 200, 200]


def test_http_1_0_closes(pc):
    with socket.create_connection(("127.0.0.1", pc.port), timeout=5) as sock:
        sock.sendall(b"GET /health/live HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break  # the server closed the connection after its answer
            data += chunk
    assert _status(data) == 200


def test_expect_100_continue(pc):
    import botocore.awsrequest
    from conftest import sign
    body = b"Action=ListUsers&Version=2010-05-08"
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=pc.endpoint + "/", data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    sign(req, pc.root, "iam", "us-east-1")
    head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % pc.port
    for name, value in req.headers.items():
        head += f"{name}: {value}\r\n".encode()
    head += b"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % len(body)
    with socket.create_connection(("127.0.0.1", pc.port), timeout=5) as sock:
        sock.sendall(head)
        interim = sock.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100"), interim[:100]
        sock.sendall(body)
        [reply] = _read_responses(sock, 1)
    assert _status(reply) == 200, reply[:300]
    assert b"<ListUsersResponse" in reply


def test_slow_client_is_dropped(start_server, tmp_path):
    from conftest import Client
    srv = start_server(tmp_path / "slow", extra_args=["--read-timeout", "1s",
                                                      "--idle-timeout", "1s"])
    pc = Client(srv, tmp_path)
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=")
        start = time.monotonic()
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        waited = time.monotonic() - start
    # Closed without an answer (or with a 4xx) after about the read timeout.
    assert data == b"" or 400 <= (_status(data) or 0) < 500, data[:200]
    assert waited < 5
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _status(_read_responses(sock, 1)[0]) == 200
        start = time.monotonic()
        assert sock.recv(65536) == b""  # the idle keep-alive connection is closed
        assert time.monotonic() - start < 5
    assert pc.raw("GET", "/health/live").status == 200
