"""STS GetCallerIdentity on the same port (routed by the SigV4 scope's service)."""

import pytest

from conftest import TARGET
from e2e_util import deny, policy_doc

ACCOUNT = "123456789012"


def test_get_caller_identity_root(pc):
    me = pc.sts().get_caller_identity()
    assert me["Account"] == ACCOUNT
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert me["UserId"] == ACCOUNT


def test_get_caller_identity_user_needs_no_permission(pc, iam):
    # AWS: no permission is needed, and an explicit deny does not stop it.
    creds = pc.make_user("whoami", path="/p/", policy=policy_doc(deny("*")))
    me = pc.sts(creds).get_caller_identity()
    assert me["Account"] == ACCOUNT
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/p/whoami"
    assert me["UserId"] == iam.get_user(UserName="whoami")["User"]["UserId"]
    out = pc.aws("sts", "get-caller-identity", creds=creds)
    assert out["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/p/whoami"


@pytest.mark.skipif(TARGET == "moto", reason="moto accepts any key")
def test_get_caller_identity_unknown_key(pc):
    from e2e_util import Creds, raises_aws
    with raises_aws("InvalidClientTokenId", 403):
        pc.sts(Creds("AKIAIOSFODNN7EXAMPLE", "x" * 40)).get_caller_identity()
