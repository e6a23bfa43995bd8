"""End-to-end fixtures: one Portcullis server per session, state reset between tests.

Run with Debian's interpreter (it has pytest, boto3 and the aws CLI v2 next to it):

    /usr/bin/python3 -m pytest tests/e2e -q

The binary is $PORTCULLIS_BIN, else the first of build/{ci,release,h5,...}/portcullis that
exists. The server runs `serve --port P --data-dir TMP --dev-mode` on a free loopback port
with fixed development root credentials from the environment (PORTCULLIS_ACCOUNT_ID,
PORTCULLIS_ROOT_ACCESS_KEY_ID, PORTCULLIS_ROOT_SECRET_ACCESS_KEY) and is stopped by PID at
the end of the session. Each test starts from `POST /moto-api/reset`.

PORTCULLIS_E2E_TARGET=moto runs the same suite against the image's `moto_server` instead
(it accepts any credentials and enforces no policy), to cross-check the data shapes only.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Callable, Iterable

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_util import Creds, RawResponse  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
ACCOUNT_ID = "123456789012"
ROOT = Creds("AKIAE2EROOTKEY000001", "e2eRootSecretKey/0123456789abcdefghijABCD")
REGION = "us-east-1"
AWS_CLI = os.environ.get("PORTCULLIS_AWS_CLI", "/usr/bin/aws")
TARGET = os.environ.get("PORTCULLIS_E2E_TARGET", "portcullis")
START_TIMEOUT = 30.0
LISTENING = re.compile(r"listening on http://[^\s]*:(\d+)")


def find_binary() -> Path:
    env = os.environ.get("PORTCULLIS_BIN")
    if env:
        path = Path(env)
        if not path.is_file():
            pytest.exit(f"PORTCULLIS_BIN={env} is not a file", returncode=2)
        return path
    for sub in ("ci", "release", "h5", "debug", "asan"):
        path = REPO / "build" / sub / "portcullis"
        if path.is_file() and os.access(path, os.X_OK):
            return path
    pytest.exit("no portcullis binary: build one or set PORTCULLIS_BIN", returncode=2)
    raise AssertionError("unreachable")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_call(port: int, method: str, path: str, body: bytes = b"",
              headers: dict[str, str] | None = None, timeout: float = 10.0) -> RawResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


class Server:
    """One server process. start() waits until it is ready; stop()/kill() end it by PID."""

    def __init__(self, data_dir: Path, *, port: int | None = None,
                 extra_args: Iterable[str] = (), env: dict[str, str | None] | None = None,
                 dev_mode: bool = True):
        # env: variables to set for the server on top of the root credentials; None unsets.
        self.data_dir = Path(data_dir)
        # Portcullis is started with --port 0 (the kernel picks a free port, no race with
        # other processes) and the port is read from its `listening on` line; moto gets one
        # picked here.
        self.requested_port = port if port is not None else (free_port() if TARGET == "moto"
                                                             else 0)
        self.port = self.requested_port
        self.extra_args = list(extra_args)
        self.extra_env = env or {}
        self.dev_mode = dev_mode
        self.proc: subprocess.Popen | None = None
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.server.log"
        self.audit_log: Path | None = None
        self._log_lines: list[str] = []
        self._listening = threading.Event()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        if TARGET == "moto":
            moto = shutil.which("moto_server")
            if not moto:
                pytest.exit("moto_server not on PATH", returncode=2)
            return [moto, "-H", "127.0.0.1", "-p", str(self.requested_port)]
        self.audit_log = self.data_dir / "audit.log"
        return [str(find_binary()), "serve", "--port", str(self.requested_port),
                "--data-dir", str(self.data_dir), *(["--dev-mode"] if self.dev_mode else []),
                "--audit-log", str(self.audit_log), *self.extra_args]

    def start(self) -> "Server":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update({
            "PORTCULLIS_ACCOUNT_ID": ACCOUNT_ID,
            "PORTCULLIS_ROOT_ACCESS_KEY_ID": ROOT.access_key_id,
            "PORTCULLIS_ROOT_SECRET_ACCESS_KEY": ROOT.secret_access_key,
        })
        if TARGET == "moto":
            env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        for name, value in self.extra_env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        self._listening.clear()
        self._log_lines = []
        self.proc = subprocess.Popen(self.command(), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=env, text=True, errors="replace")
        self._pump_thread = threading.Thread(target=self._pump, args=(self.proc,), daemon=True)
        self._pump_thread.start()
        self.wait_ready()
        return self

    def _pump(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        with open(self.log_path, "a", encoding="utf-8") as log:
            for line in proc.stdout:
                log.write(line)
                log.flush()
                self._log_lines.append(line)
                match = LISTENING.search(line)
                if match:
                    self.port = int(match.group(1))
                    self._listening.set()
                elif "Running on" in line:  # moto
                    self._listening.set()

    def output(self) -> str:
        return "".join(self._log_lines)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        ready_path = "/moto-api/" if TARGET == "moto" else "/health/ready"
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                time.sleep(0.2)
                raise RuntimeError(f"server exited with {self.proc.returncode} before ready:\n"
                                   + self.output())
            if self._listening.is_set() or TARGET == "moto":
                try:
                    if http_call(self.port, "GET", ready_path, timeout=2).status == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("server not ready in time:\n" + self.output())

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._pump_thread.join(5)  # all output read: output() is complete after stop()
        return self.proc.returncode

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._pump_thread.join(5)


class Client:
    """What a test gets: the endpoint, root credentials, boto3 clients, the aws CLI and raw
    signed requests against one server."""

    def __init__(self, server: Server, tmp_root: Path):
        self.server = server
        self.account_id = ACCOUNT_ID
        self.root = ROOT
        self.region = REGION
        self._tmp_root = tmp_root
        cfg = tmp_root / "aws-config"
        cred = tmp_root / "aws-credentials"
        cfg.write_text("")
        cred.write_text("")
        self._aws_config = cfg
        self._aws_credentials = cred

    @property
    def endpoint(self) -> str:
        return self.server.endpoint

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def is_moto(self) -> bool:
        return TARGET == "moto"

    # boto3 --------------------------------------------------------------------------------
    def iam(self, creds: Creds | None = None, **kwargs: Any):
        creds = creds or self.root
        config = botocore.config.Config(retries={"total_max_attempts": 1},
                                        connect_timeout=5, read_timeout=30)
        return boto3.session.Session().client(
            "iam", region_name=self.region, endpoint_url=self.endpoint,
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token, config=config, **kwargs)

    def sts(self, creds: Creds | None = None):
        creds = creds or self.root
        config = botocore.config.Config(retries={"total_max_attempts": 1})
        return boto3.session.Session().client(
            "sts", region_name=self.region, endpoint_url=self.endpoint,
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token, config=config)

    def s3(self, creds: Creds | None = None, **config: Any):
        """A boto3 S3 client (path-style addressing, as for any IP endpoint)."""
        creds = creds or self.root
        cfg = botocore.config.Config(retries={"total_max_attempts": 1}, connect_timeout=5,
                                     read_timeout=60, s3={"addressing_style": "path"}, **config)
        return boto3.session.Session().client(
            "s3", region_name=self.region, endpoint_url=self.endpoint,
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token, config=cfg)

    # aws CLI ------------------------------------------------------------------------------
    def aws_run(self, *args: str, creds: Creds | None = None,
                timeout: float = 60) -> subprocess.CompletedProcess:
        creds = creds or self.root
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_ACCESS_KEY_ID": creds.access_key_id,
            "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_CONFIG_FILE": str(self._aws_config),
            "AWS_SHARED_CREDENTIALS_FILE": str(self._aws_credentials),
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        if creds.session_token:
            env["AWS_SESSION_TOKEN"] = creds.session_token
        cmd = [AWS_CLI, *args, "--endpoint-url", self.endpoint, "--output", "json"]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                              cwd=self._tmp_root)

    def aws(self, *args: str, creds: Creds | None = None) -> Any:
        """Runs the CLI; returns its parsed JSON output (None when it prints nothing);
        fails the test when the CLI fails."""
        proc = self.aws_run(*args, creds=creds)
        assert proc.returncode == 0, (f"aws {' '.join(args)} exited {proc.returncode}:\n"
                                      f"{proc.stderr}")
        out = proc.stdout.strip()
        return json.loads(out) if out else None

    def aws_error(self, *args: str, creds: Creds | None = None) -> str:
        """Runs the CLI expecting an AWS error; returns its stderr."""
        proc = self.aws_run(*args, creds=creds)
        assert proc.returncode != 0, f"aws {' '.join(args)} unexpectedly succeeded: {proc.stdout}"
        assert proc.returncode == 254, f"not a service error ({proc.returncode}): {proc.stderr}"
        return proc.stderr

    def write_tmp(self, name: str, text: str) -> Path:
        path = self._tmp_root / name
        path.write_text(text)
        return path

    # raw requests -------------------------------------------------------------------------
    def signed_query(self, params: dict[str, str], creds: Creds | None = None, *,
                     service: str = "iam", timestamp: float | None = None,
                     body: bytes | None = None, content_type: str | None = None,
                     extra_headers: dict[str, str] | None = None) -> RawResponse:
        """POSTs an AWS Query request signed with SigV4 (optionally as of `timestamp`)."""
        creds = creds or self.root
        if body is None:
            params = {"Version": "2010-05-08" if service == "iam" else "2011-06-15", **params}
            body = urllib.parse.urlencode(params).encode()
        headers = {"Content-Type": content_type
                   or "application/x-www-form-urlencoded; charset=utf-8"}
        headers.update(extra_headers or {})
        req = botocore.awsrequest.AWSRequest(method="POST", url=self.endpoint + "/",
                                             data=body, headers=headers)
        sign(req, creds, service, self.region, timestamp)
        return self.send(req)

    def send(self, req: botocore.awsrequest.AWSRequest) -> RawResponse:
        prepared = req.prepare()
        parsed = urllib.parse.urlsplit(prepared.url)
        path = parsed.path + ("?" + parsed.query if parsed.query else "")
        return http_call(self.port, prepared.method, path or "/",
                         body=prepared.body or b"", headers=dict(prepared.headers))

    def raw(self, method: str, path: str, body: bytes = b"",
            headers: dict[str, str] | None = None) -> RawResponse:
        return http_call(self.port, method, path, body, headers)

    def reset(self) -> None:
        resp = self.raw("POST", "/moto-api/reset")
        assert resp.status == 200, f"reset answered {resp.status}: {resp.body[:300]!r}"

    # helpers ------------------------------------------------------------------------------
    def make_user(self, name: str, *, policy: dict | str | None = None,
                  path: str = "/") -> Creds:
        """Creates user `name` (as root) with an access key and, if given, an inline policy;
        returns the key."""
        iam = self.iam()
        iam.create_user(UserName=name, Path=path)
        if policy is not None:
            iam.put_user_policy(UserName=name, PolicyName=f"{name}-inline",
                                PolicyDocument=policy if isinstance(policy, str)
                                else json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return Creds(key["AccessKeyId"], key["SecretAccessKey"])

    def user_arn(self, name: str, path: str = "/") -> str:
        return f"arn:aws:iam::{self.account_id}:user{path}{name}"


def sign(req: botocore.awsrequest.AWSRequest, creds: Creds, service: str, region: str,
         timestamp: float | None = None) -> None:
    """Signs `req` in place with SigV4, as of `timestamp` (epoch seconds) when given."""
    credentials = botocore.credentials.Credentials(creds.access_key_id, creds.secret_access_key,
                                                   creds.session_token)
    signer = botocore.auth.SigV4Auth(credentials, service, region)
    if timestamp is None:
        signer.add_auth(req)
        return
    import datetime
    import unittest.mock

    fixed = datetime.datetime.utcfromtimestamp(timestamp)

    class FrozenDateTime(datetime.datetime):
        @classmethod
        def utcnow(cls):  # noqa: D401 - botocore calls datetime.datetime.utcnow()
            return fixed

    with unittest.mock.patch("botocore.auth.datetime.datetime", FrozenDateTime):
        signer.add_auth(req)


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterable[Server]:
    root = tmp_path_factory.mktemp("portcullis")
    srv = Server(root / "data")
    srv.start()
    yield srv
    rc = srv.stop()
    if rc not in (0, -signal.SIGTERM) and TARGET != "moto":
        print(f"server exited with {rc}; log at {srv.log_path}", file=sys.stderr)


@pytest.fixture(scope="session")
def session_client(server, tmp_path_factory) -> Client:
    return Client(server, tmp_path_factory.mktemp("client"))


@pytest.fixture
def pc(session_client: Client) -> Client:
    """The session's server, reset to its bootstrap state (root credentials only)."""
    assert session_client.server.alive(), "server died:\n" + session_client.server.output()[-3000:]
    session_client.reset()
    return session_client


@pytest.fixture
def iam(pc: Client):
    """A boto3 IAM client signed as the root user of the test account."""
    return pc.iam()


@pytest.fixture
def start_server(tmp_path) -> Iterable[Callable[..., Server]]:
    """Starts extra servers (own data dirs) for a test and stops them at its end."""
    started: list[Server] = []

    def start(data_dir: Path | None = None, **kwargs: Any) -> Server:
        srv = Server(data_dir or tmp_path / f"data{len(started)}", **kwargs)
        started.append(srv)
        return srv.start()

    yield start
    for srv in started:
        if srv.alive():
            srv.stop()
