"""Authentication: SigV4 errors as AWS answers them, presigned URLs, health, reset."""

import time
import urllib.parse

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials

from e2e_util import Creds, allow, parse_error, policy_doc, raises_aws

ACCOUNT = "123456789012"
SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you "
                      "provided. Check your AWS Secret Access Key and signing method. Consult "
                      "the service documentation for details.")


def test_signed_request_succeeds(pc):
    resp = pc.signed_query({"Action": "ListUsers"})
    assert resp.status == 200, resp.text
    root = resp.xml()
    assert root.tag == "{https://iam.amazonaws.com/doc/2010-05-08/}ListUsersResponse"
    assert resp.find("RequestId")
    assert resp.find("IsTruncated") == "false"


def test_bad_signature(pc):
    wrong = Creds(pc.root.access_key_id, "x" * 40)
    with raises_aws("SignatureDoesNotMatch", 403) as err:
        pc.iam(wrong).list_users()
    assert err.message == SIGNATURE_MISMATCH
    resp = pc.signed_query({"Action": "ListUsers"}, wrong)
    assert resp.status == 403
    assert parse_error(resp).code == "SignatureDoesNotMatch"


def test_tampered_body_fails_signature(pc):
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=pc.endpoint + "/",
        data=b"Action=GetUser&UserName=alice&Version=2010-05-08",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(
        pc.root.access_key_id, pc.root.secret_access_key), "iam", "us-east-1").add_auth(req)
    req.data = b"Action=GetUser&UserName=mallory&Version=2010-05-08"
    req.headers["Content-Length"] = str(len(req.data))
    resp = pc.send(req)
    assert resp.status == 403
    assert parse_error(resp).code == "SignatureDoesNotMatch"


def test_unsigned_payload(pc):
    # X-Amz-Content-SHA256: UNSIGNED-PAYLOAD signs the headers but not the body.
    resp = pc.signed_query({"Action": "GetUser"},
                           extra_headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    assert resp.status == 200, resp.text
    assert resp.find("Arn") == f"arn:aws:iam::{ACCOUNT}:root"


def test_expired_signature(pc):
    resp = pc.signed_query({"Action": "ListUsers"}, timestamp=time.time() - 20 * 60)
    assert resp.status == 403, resp.text
    err = parse_error(resp)
    assert err.code == "SignatureDoesNotMatch"
    assert err.message.startswith("Signature expired: "), err.message
    assert "is now earlier than" in err.message
    # A signature from 20 minutes in the future is refused too.
    resp = pc.signed_query({"Action": "ListUsers"}, timestamp=time.time() + 20 * 60)
    assert resp.status == 403
    err = parse_error(resp)
    assert err.code == "SignatureDoesNotMatch"
    assert "Signature not yet current" in err.message
    # Five minutes of skew is fine.
    assert pc.signed_query({"Action": "ListUsers"}, timestamp=time.time() - 5 * 60).status == 200


def test_unknown_key(pc):
    with raises_aws("InvalidClientTokenId", 403,
                    message_contains="The security token included in the request is invalid"):
        pc.iam(Creds("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")).list_users()


def test_unsigned_request(pc):
    body = urllib.parse.urlencode({"Action": "ListUsers", "Version": "2010-05-08"}).encode()
    resp = pc.raw("POST", "/", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 403, resp.text
    err = parse_error(resp)
    assert err.code == "MissingAuthenticationToken"
    assert err.message == "Request is missing Authentication Token"
    resp = pc.raw("GET", "/?Action=ListUsers&Version=2010-05-08")
    assert resp.status == 403
    assert parse_error(resp).code == "MissingAuthenticationToken"


def test_region_in_scope_can_be_any(pc):
    # IAM is global; a scope naming another region verifies the same way.
    other = boto3.session.Session().client(
        "iam", region_name="eu-west-3", endpoint_url=pc.endpoint,
        aws_access_key_id=pc.root.access_key_id,
        aws_secret_access_key=pc.root.secret_access_key,
        config=botocore.config.Config(retries={"total_max_attempts": 1}))
    assert other.list_users()["Users"] == []


def test_presigned_url(pc, iam):
    iam.create_user(UserName="presigned")
    # botocore signs the model's method (POST) unless told otherwise; a URL is for GET.
    url = iam.generate_presigned_url("get_user", Params={"UserName": "presigned"},
                                     ExpiresIn=300, HttpMethod="GET")
    parts = urllib.parse.urlsplit(url)
    assert "X-Amz-Signature=" in parts.query
    resp = pc.raw("GET", parts.path + "?" + parts.query)
    assert resp.status == 200, resp.text
    assert resp.find("UserName") == "presigned"
    tampered = parts.query.replace("UserName=presigned", "UserName=root")
    resp = pc.raw("GET", parts.path + "?" + tampered)
    assert resp.status == 403
    assert parse_error(resp).code == "SignatureDoesNotMatch"


def test_health(pc):
    live = pc.raw("GET", "/health/live")
    assert live.status == 200
    ready = pc.raw("GET", "/health/ready")
    assert ready.status == 200


def test_reset_restores_root_credentials(pc, iam):
    creds = pc.make_user("ephemeral", policy=policy_doc(allow("iam:GetUser")))
    assert pc.iam(creds).get_user()["User"]["UserName"] == "ephemeral"
    iam.create_group(GroupName="temporary")
    pc.reset()
    # Everything is gone, the user's key no longer authenticates, root still does.
    assert iam.list_users()["Users"] == []
    assert iam.list_groups()["Groups"] == []
    with raises_aws("InvalidClientTokenId", 403):
        pc.iam(creds).get_user()
    me = iam.get_user()["User"]
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"


def _manual_sigv4(pc, body: bytes, when: float, use_date_header: bool) -> dict:
    """Signs a POST / by hand (no botocore), with X-Amz-Date or with a Date header."""
    import email.utils
    import hashlib
    import hmac
    amz = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(when))
    day = amz[:8]
    host = f"127.0.0.1:{pc.port}"
    headers = {"content-type": "application/x-www-form-urlencoded; charset=utf-8",
               "host": host}
    if use_date_header:
        headers["date"] = email.utils.formatdate(when, usegmt=True)
    else:
        headers["x-amz-date"] = amz
    names = sorted(headers)
    canonical = "\n".join(["POST", "/", "",
                           "".join(f"{n}:{headers[n]}\n" for n in names),
                           ";".join(names), hashlib.sha256(body).hexdigest()])
    scope = f"{day}/us-east-1/iam/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + pc.root.secret_access_key).encode()
    for part in (day, "us-east-1", "iam", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={pc.root.access_key_id}/{scope}, "
                                f"SignedHeaders={';'.join(names)}, Signature={signature}")
    del headers["host"]
    return headers


def test_date_header_instead_of_x_amz_date(pc):
    body = b"Action=ListUsers&Version=2010-05-08"
    for use_date in (False, True):
        headers = _manual_sigv4(pc, body, time.time(), use_date)
        resp = pc.raw("POST", "/", body, headers)
        assert resp.status == 200, (use_date, resp.text)
    # A Date 20 minutes old is as expired as an X-Amz-Date would be.
    headers = _manual_sigv4(pc, body, time.time() - 20 * 60, True)
    resp = pc.raw("POST", "/", body, headers)
    assert resp.status == 403
    assert parse_error(resp).code == "SignatureDoesNotMatch"


def _metric(text: str, name: str) -> float:
    """The value of the sample named exactly `name` (labels included), 0 when absent."""
    for line in text.splitlines():
        key, _, value = line.rpartition(" ")
        if key == name:
            return float(value)
    return 0.0


def test_metrics(pc, iam):
    before = pc.raw("GET", "/metrics")
    assert before.status == 200
    assert before.headers.get("content-type", "").startswith("text/plain")
    ok_before = _metric(before.text, 'portcullis_api_requests_total{code="2xx"}')
    err_before = _metric(before.text, 'portcullis_api_requests_total{code="4xx"}')
    iam.list_users()
    iam.list_users()
    with raises_aws("NoSuchEntity", 404):
        iam.get_user(UserName="nobody-here")
    after = pc.raw("GET", "/metrics").text
    assert _metric(after, 'portcullis_api_requests_total{code="2xx"}') == ok_before + 2
    assert _metric(after, 'portcullis_api_requests_total{code="4xx"}') == err_before + 1
    assert "portcullis_api_request_duration_seconds_bucket" in after
    assert _metric(after, "portcullis_resets_total") >= 1  # the fixture reset before the test
