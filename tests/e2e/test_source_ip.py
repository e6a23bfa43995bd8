"""aws:SourceIp is the connection's peer address; X-Forwarded-For counts only behind a proxy
the operator trusts (server setting trusted_proxies, docs/workload-credentials.md)."""

from __future__ import annotations

import json
import time

import botocore.exceptions
import pytest

from conftest import TARGET, Client

pytestmark = pytest.mark.skipif(TARGET == "moto", reason="Portcullis only")


def ip_fenced(cidr: str) -> str:
    """Allow everything, but deny every call from outside `cidr`."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"NotIpAddress": {"aws:SourceIp": cidr}}}]})


def iam_with_forwarded_for(pc: Client, creds, forwarded: str | None):
    """An IAM client that adds X-Forwarded-For to every request (before signing)."""
    client = pc.iam(creds)
    if forwarded is not None:
        def add_header(request, **_kwargs):
            request.headers["X-Forwarded-For"] = forwarded
        client.meta.events.register("before-sign.iam.*", add_header)
    return client


def denied(call) -> bool:
    try:
        call()
        return False
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "AccessDenied", e.response
        return True


def test_not_ip_address_denies_loopback_and_allows_matching_range(pc, iam):
    creds = pc.make_user("fenced", policy=ip_fenced("10.0.0.0/8"))
    assert denied(lambda: pc.iam(creds).list_users())
    err = pc.aws_error("iam", "list-users", creds=creds)
    assert "AccessDenied" in err
    iam.put_user_policy(UserName="fenced", PolicyName="fenced-inline",
                        PolicyDocument=ip_fenced("127.0.0.0/8"))
    assert not denied(lambda: pc.iam(creds).list_users())
    assert pc.aws("iam", "list-users", creds=creds)["Users"]


def test_forwarded_for_ignored_without_trusted_proxy(pc):
    creds = pc.make_user("fenced", policy=ip_fenced("10.0.0.0/8"))
    # The header is the client's own word: the peer (127.0.0.1) decides.
    assert denied(lambda: iam_with_forwarded_for(pc, creds, "10.1.2.3").list_users())


def audit_source_ips(srv, expected: str) -> list[str]:
    """The audit log's sourceIPAddress values, once `expected` is among them (the log is
    written in the background) or after a few seconds."""
    deadline = time.monotonic() + 5
    while True:
        lines = srv.audit_log.read_text().splitlines()
        ips = [json.loads(line).get("sourceIPAddress") for line in lines if line.strip()]
        if expected in ips or time.monotonic() > deadline:
            return ips
        time.sleep(0.05)


def test_forwarded_for_honoured_behind_trusted_proxy(start_server, tmp_path):
    srv = start_server(extra_args=["--trusted-proxies", "127.0.0.1/32"])
    pc = Client(srv, tmp_path)
    creds = pc.make_user("fenced", policy=ip_fenced("10.0.0.0/8"))
    # The right-most address that is not a trusted proxy is the client.
    assert not denied(lambda: iam_with_forwarded_for(pc, creds, "10.1.2.3").list_users())
    assert "10.1.2.3" in audit_source_ips(srv, "10.1.2.3")
    # What the client wrote left of the proxy's entry is not believed.
    assert denied(lambda: iam_with_forwarded_for(pc, creds, "10.9.9.9, 192.0.2.1").list_users())
    assert "192.0.2.1" in audit_source_ips(srv, "192.0.2.1")
    # No header, or garbage: the proxy itself (127.0.0.1).
    assert denied(lambda: iam_with_forwarded_for(pc, creds, None).list_users())
    assert denied(lambda: iam_with_forwarded_for(pc, creds, "unknown").list_users())
    # IPv6 clients through the proxy.
    pc.iam().put_user_policy(UserName="fenced", PolicyName="fenced-inline",
                             PolicyDocument=ip_fenced("2001:db8::/32"))
    assert not denied(lambda: iam_with_forwarded_for(pc, creds, "2001:db8::7").list_users())


def test_trusted_proxies_setting_is_validated(start_server, tmp_path):
    with pytest.raises(RuntimeError):
        start_server(extra_args=["--trusted-proxies", "not-a-cidr"])
