#!/usr/bin/env python3
"""Writes the seed corpus of aws_chunked_fuzz (fuzz/corpus/aws_chunked/): validly signed
and unsigned aws-chunked bodies in the fuzzer's input layout (flags, cut, decoded length
LE16, body), signed with AWS's example key and seed as aws_chunked_fuzz.cc does."""
import base64
import hashlib
import hmac
import os
import struct
import sys
import zlib

SECRET = b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DATE = "20130524T000000Z"
SCOPE = "20130524/us-east-1/s3/aws4_request"
SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
EMPTY = hashlib.sha256(b"").hexdigest()


def signing_key():
    key = hmac.new(b"AWS4" + SECRET, b"20130524", hashlib.sha256).digest()
    for part in (b"us-east-1", b"s3", b"aws4_request"):
        key = hmac.new(key, part, hashlib.sha256).digest()
    return key


KEY = signing_key()


def sign(text):
    return hmac.new(KEY, text.encode(), hashlib.sha256).hexdigest()


def signed_body(payload, sizes, trailer=None):
    out = b""
    previous = SEED
    chunks = []
    at = 0
    for size in sizes:
        chunks.append(payload[at : at + size])
        at += size
    if at < len(payload):
        chunks.append(payload[at:])
    chunks.append(b"")
    for chunk in chunks:
        sig = sign(
            "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", DATE, SCOPE, previous, EMPTY,
                       hashlib.sha256(chunk).hexdigest()])
        )
        out += b"%x;chunk-signature=%s\r\n" % (len(chunk), sig.encode())
        if chunk:
            out += chunk + b"\r\n"
        previous = sig
    if trailer is not None:
        canonical = "".join(f"{name}:{value}\n" for name, value in trailer)
        sig = sign(
            "\n".join(["AWS4-HMAC-SHA256-TRAILER", DATE, SCOPE, previous,
                       hashlib.sha256(canonical.encode()).hexdigest()])
        )
        for name, value in trailer:
            out += f"{name}:{value}\r\n".encode()
        out += f"x-amz-trailer-signature:{sig}\r\n".encode()
    return out + b"\r\n"


def seed(flags, cut, length, body):
    return bytes([flags, cut]) + struct.pack("<H", length) + body


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    payload = b"Hello, aws-chunked world! 0123456789"
    crc = base64.b64encode(struct.pack(">I", zlib.crc32(payload))).decode()
    sha = base64.b64encode(hashlib.sha256(payload).digest()).decode()
    seeds = {
        "signed": seed(0 | 4, 17, len(payload), signed_body(payload, [10, 5])),
        "signed-one-chunk": seed(0, 3, 0, signed_body(payload, [])),
        "signed-trailer-crc32": seed(
            1 | 4 | (1 << 3), 40, len(payload),
            signed_body(payload, [20], [("x-amz-checksum-crc32", crc)])),
        "unsigned-trailer-crc32": seed(
            2 | 4 | (1 << 3), 9, len(payload),
            b"%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n" % (len(payload), payload,
                                                                   crc.encode())),
        "unsigned-trailer-sha256": seed(
            2 | (5 << 3), 30, 0,
            b"5\r\n%s\r\n%x\r\n%s\r\n0\r\nx-amz-checksum-sha256:%s\r\n\r\n"
            % (payload[:5], len(payload) - 5, payload[5:], sha.encode())),
        "empty": seed(2, 1, 0, b"0\r\n\r\n"),
    }
    for name, data in seeds.items():
        with open(os.path.join(out_dir, name), "wb") as out:
            out.write(data)


if __name__ == "__main__":
    main()
