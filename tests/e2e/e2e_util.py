"""Small helpers shared by the end-to-end tests (no fixtures here)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import xml.etree.ElementTree as ET
from typing import Any, Iterator

import botocore.exceptions
import pytest


@dataclasses.dataclass(frozen=True)
class Creds:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


@dataclasses.dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def xml(self) -> ET.Element:
        return ET.fromstring(self.body)

    def find(self, name: str) -> str | None:
        """The text of the first element named `name` (any namespace)."""
        for el in self.xml().iter():
            if el.tag.rsplit("}", 1)[-1] == name:
                return el.text
        return None


@dataclasses.dataclass
class AwsError:
    code: str
    message: str
    status: int
    type: str | None = None
    request_id: str | None = None


def parse_error(resp: RawResponse) -> AwsError:
    """Parses a Query-protocol ErrorResponse body."""
    root = ET.fromstring(resp.body)
    assert root.tag.rsplit("}", 1)[-1] == "ErrorResponse", resp.text
    return AwsError(code=resp.find("Code") or "", message=resp.find("Message") or "",
                    status=resp.status, type=resp.find("Type"), request_id=resp.find("RequestId"))


class ErrorBox:
    """Filled by `raises_aws` when the expected ClientError arrives."""

    def __init__(self) -> None:
        self.code = ""
        self.message = ""
        self.status = 0
        self.response: dict[str, Any] = {}


@contextlib.contextmanager
def raises_aws(code: str, status: int | None = None,
               message_contains: str | None = None) -> Iterator[ErrorBox]:
    """Expects a botocore ClientError with AWS error `code` (and HTTP `status`)."""
    box = ErrorBox()
    with pytest.raises(botocore.exceptions.ClientError) as info:
        yield box
    err = info.value.response
    box.response = err
    box.code = err.get("Error", {}).get("Code", "")
    box.message = err.get("Error", {}).get("Message", "")
    box.status = err.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    assert box.code == code, f"expected {code}, got {box.code}: {box.message}"
    if status is not None:
        assert box.status == status, f"{code}: expected HTTP {status}, got {box.status}"
    if message_contains is not None:
        assert message_contains in box.message, box.message


def policy_doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str | list[str] = "*") -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def deny(action: str | list[str], resource: str | list[str] = "*") -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource}
