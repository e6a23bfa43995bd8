"""Raw S3 requests for the S3 end-to-end tests: signed with botocore's S3SigV4Auth (any
x-amz-content-sha256 value, any Host), aws-chunked bodies with chunk signatures (Amazon S3 API
Reference, "Signature Calculations for the Authorization Header: Transferring Payload in
Multiple Chunks") or a checksum trailer, and S3's XML error body."""

from __future__ import annotations

import base64
import hashlib
import hmac
import xml.etree.ElementTree as ET
import zlib

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from e2e_util import Creds, RawResponse

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class PayloadAuth(botocore.auth.S3SigV4Auth):
    """S3SigV4Auth that signs a chosen x-amz-content-sha256 value instead of the body's."""

    def __init__(self, creds: Creds, region: str, payload_hash: str | None):
        super().__init__(botocore.credentials.Credentials(
            creds.access_key_id, creds.secret_access_key, creds.session_token), "s3", region)
        self._payload_hash = payload_hash

    def payload(self, request):
        if self._payload_hash is not None:
            return self._payload_hash
        return super().payload(request)


class Signed:
    """A signed request, not yet sent, and what chunk signatures chain from."""

    def __init__(self, pc, req: botocore.awsrequest.AWSRequest, creds: Creds):
        self.pc = pc
        self.req = req
        self.timestamp = req.context["timestamp"]
        self.seed_signature = req.headers["Authorization"].rsplit("Signature=", 1)[1]
        self.scope = f"{self.timestamp[:8]}/{pc.region}/s3/aws4_request"
        key = ("AWS4" + creds.secret_access_key).encode()
        for part in (self.timestamp[:8], pc.region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        self.signing_key = key

    def chunk_signature(self, previous: str, data: bytes) -> str:
        string_to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", self.timestamp, self.scope,
                                    previous, EMPTY_SHA256, hashlib.sha256(data).hexdigest()])
        return hmac.new(self.signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()

    def send(self, body: bytes | None = None) -> RawResponse:
        if body is not None:
            self.req.data = body
        return self.pc.send(self.req)


def sign_s3(pc, method: str, path: str, body: bytes = b"", headers: dict | None = None, *,
            payload_hash: str | None = None, host: str | None = None,
            creds: Creds | None = None) -> Signed:
    """Signs a request for `path` (already percent-encoded, with its query) as S3 would get it.
    `payload_hash` replaces the body's SHA-256 as x-amz-content-sha256; `host` is sent (and
    signed) as the Host header."""
    creds = creds or pc.root
    all_headers = dict(headers or {})
    if host is not None:
        all_headers["Host"] = host
    req = botocore.awsrequest.AWSRequest(method=method, url=pc.endpoint + path, data=body,
                                         headers=all_headers)
    PayloadAuth(creds, pc.region, payload_hash).add_auth(req)
    return Signed(pc, req, creds)


def s3_request(pc, method: str, path: str, body: bytes = b"", headers: dict | None = None,
               **kwargs) -> RawResponse:
    return sign_s3(pc, method, path, body, headers, **kwargs).send()


def corrupted(signature: str) -> str:
    return signature[:-1] + ("0" if signature[-1] != "0" else "1")


def signed_chunks(signed: Signed, payload: bytes, chunk_size: int,
                  corrupt_chunk: int | None = None,
                  trailer: tuple[str, str] | None = None, corrupt_trailer: bool = False) -> bytes:
    """The aws-chunked body of `payload` in chunks of `chunk_size` bytes with chained chunk
    signatures (chunk number `corrupt_chunk` gets a wrong one), ending with the 0-size chunk;
    with `trailer` (name, value), the signed trailer of STREAMING-AWS4-HMAC-SHA256-PAYLOAD-
    TRAILER after it."""
    chunks = [payload[i:i + chunk_size] for i in range(0, len(payload), chunk_size)] + [b""]
    out = b""
    previous = signed.seed_signature
    for index, data in enumerate(chunks):
        signature = signed.chunk_signature(previous, data)
        previous = signature
        if index == corrupt_chunk:
            signature = corrupted(signature)
        line_end = b"\r\n" if data or trailer is None else b""
        out += f"{len(data):x};chunk-signature={signature}\r\n".encode() + data + line_end
    if trailer is not None:
        header = f"{trailer[0]}:{trailer[1]}\n"
        string_to_sign = "\n".join(["AWS4-HMAC-SHA256-TRAILER", signed.timestamp, signed.scope,
                                    previous, hashlib.sha256(header.encode()).hexdigest()])
        signature = hmac.new(signed.signing_key, string_to_sign.encode(),
                             hashlib.sha256).hexdigest()
        if corrupt_trailer:
            signature = corrupted(signature)
        out += (f"{trailer[0]}:{trailer[1]}\r\n"
                f"x-amz-trailer-signature:{signature}\r\n\r\n").encode()
    return out


def unsigned_chunks_with_trailer(payload: bytes, chunk_size: int, trailer_name: str,
                                 trailer_value: str) -> bytes:
    """The aws-chunked body of STREAMING-UNSIGNED-PAYLOAD-TRAILER: chunks, the 0-size chunk,
    one trailer line and the closing CRLF."""
    out = b""
    for i in range(0, len(payload), chunk_size):
        data = payload[i:i + chunk_size]
        out += f"{len(data):x}\r\n".encode() + data + b"\r\n"
    return out + f"0\r\n{trailer_name}:{trailer_value}\r\n\r\n".encode()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def crc32_b64(data: bytes) -> str:
    return b64(zlib.crc32(data).to_bytes(4, "big"))


def crc32c_b64(data: bytes) -> str:
    import awscrt.checksums
    return b64(awscrt.checksums.crc32c(data).to_bytes(4, "big"))


def sha256_b64(data: bytes) -> str:
    return b64(hashlib.sha256(data).digest())


def md5_b64(data: bytes) -> str:
    return b64(hashlib.md5(data).digest())


def s3_error(resp: RawResponse) -> dict[str, str]:
    """The children of S3's <Error> body (Code, Message, RequestId, ...), after checking the
    response is S3's XML error form with the request id header."""
    assert resp.headers.get("content-type", "").startswith("application/xml"), resp.headers
    root = ET.fromstring(resp.body)
    assert root.tag == "Error", resp.text
    fields = {child.tag: child.text or "" for child in root}
    assert fields.get("RequestId") and fields["RequestId"] == resp.headers.get(
        "x-amz-request-id"), (fields, resp.headers)
    return fields


def checked(client):
    """`client` (a boto3 S3 client), made to fail any call whose response lacks
    x-amz-request-id (S3 sends it on every response, errors included)."""
    def check(http_response, model, **_):
        assert http_response.headers.get("x-amz-request-id"), (
            f"{model.name} answered {http_response.status_code} without x-amz-request-id")
    client.meta.events.register("after-call.s3", check)
    return client
