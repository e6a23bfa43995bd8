"""Concurrent clients: writes are not lost, uniqueness and quotas hold under races."""

import collections
import concurrent.futures

import botocore.exceptions

from e2e_util import allow, policy_doc

THREADS = 8


def _run_all(fn, args_list):
    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(fn, *args) for args in args_list]
        return [f.result() for f in futures]


def _outcome(call) -> str:
    try:
        call()
        return "ok"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]


def test_parallel_creates_are_all_kept(pc):
    clients = [pc.iam() for _ in range(THREADS)]

    def create(t, i):
        clients[t].create_user(UserName=f"par-{t}-{i:02d}")
        return True

    assert all(_run_all(create, [(t, i) for t in range(THREADS) for i in range(10)]))
    pages = pc.iam().get_paginator("list_users").paginate().build_full_result()
    names = [u["UserName"] for u in pages["Users"]]
    assert len(names) == THREADS * 10
    assert len(set(names)) == THREADS * 10
    assert pc.iam().get_account_summary()["SummaryMap"]["Users"] == THREADS * 10


def test_racing_duplicates_one_winner(pc):
    clients = [pc.iam() for _ in range(THREADS)]
    outcomes = _run_all(lambda t: _outcome(lambda: clients[t].create_user(UserName="racer")),
                        [(t,) for t in range(THREADS)])
    assert collections.Counter(outcomes) == {"ok": 1, "EntityAlreadyExists": THREADS - 1}


def test_racing_access_keys_respect_the_quota(pc):
    pc.iam().create_user(UserName="keyrace")
    clients = [pc.iam() for _ in range(THREADS)]
    outcomes = _run_all(
        lambda t: _outcome(lambda: clients[t].create_access_key(UserName="keyrace")),
        [(t,) for t in range(THREADS)])
    assert collections.Counter(outcomes) == {"ok": 2, "LimitExceeded": THREADS - 2}
    keys = pc.iam().list_access_keys(UserName="keyrace")["AccessKeyMetadata"]
    assert len(keys) == 2


def test_racing_policy_versions_respect_the_limit(pc):
    iam = pc.iam()
    arn = iam.create_policy(PolicyName="vrace",
                            PolicyDocument=policy_doc(allow("s3:GetObject")))["Policy"]["Arn"]
    clients = [pc.iam() for _ in range(THREADS)]
    outcomes = _run_all(
        lambda t: _outcome(lambda: clients[t].create_policy_version(
            PolicyArn=arn, PolicyDocument=policy_doc(allow(f"s3:GetObject{t}")))),
        [(t,) for t in range(THREADS)])
    assert collections.Counter(outcomes) == {"ok": 4, "LimitExceeded": THREADS - 4}
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert sorted(v["VersionId"] for v in versions) == ["v1", "v2", "v3", "v4", "v5"]


def test_reads_during_writes(pc):
    creds = pc.make_user("reader", policy=policy_doc(allow(["iam:GetUser", "iam:ListUsers"])))
    writer = pc.iam()
    readers = [pc.iam(creds) for _ in range(THREADS - 1)]

    def work(t):
        if t == 0:
            for i in range(30):
                writer.create_user(UserName=f"w-{i:02d}")
            return "written"
        seen = 0
        for _ in range(15):
            assert readers[t - 1].get_user()["User"]["UserName"] == "reader"
            seen = max(seen, len(readers[t - 1].list_users()["Users"]))
        return seen

    results = _run_all(work, [(t,) for t in range(THREADS)])
    assert results[0] == "written"
    assert all(1 <= r <= 31 for r in results[1:])
    assert len(pc.iam().list_users()["Users"]) == 31
