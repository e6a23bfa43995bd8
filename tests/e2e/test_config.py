"""Configuration: flag, then PORTCULLIS_* environment, then config file, then default;
JSON logs; bad values refused with exit code 2."""

import json
import os
import subprocess

import pytest

from conftest import ROOT, TARGET, Client, find_binary
from e2e_util import raises_aws

pytestmark = pytest.mark.skipif(TARGET == "moto", reason="Portcullis only")


def _denied_or_allowed(pc) -> str:
    """'enforce' when a user without policies is denied, 'relaxed' when allowed."""
    creds = pc.make_user("probe")
    try:
        pc.iam(creds).list_users()
        return "relaxed"
    except pc.iam().exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "AccessDenied"
        return "enforce"


def test_precedence_flag_env_file(start_server, tmp_path):
    config = tmp_path / "portcullis.toml"
    config.write_text('enforcement = "off"\nlog_level = "info"\n')
    # File alone: off.
    srv = start_server(tmp_path / "c1", extra_args=["--config", str(config)],
                       env={"PORTCULLIS_ENFORCEMENT": None})
    assert _denied_or_allowed(Client(srv, tmp_path)) == "relaxed"
    srv.stop()
    # Environment beats the file.
    srv = start_server(tmp_path / "c2", extra_args=["--config", str(config)],
                       env={"PORTCULLIS_ENFORCEMENT": "enforce"})
    assert _denied_or_allowed(Client(srv, tmp_path)) == "enforce"
    srv.stop()
    # The flag beats the environment.
    srv = start_server(tmp_path / "c3", extra_args=["--enforcement", "off"],
                       env={"PORTCULLIS_ENFORCEMENT": "enforce"})
    assert _denied_or_allowed(Client(srv, tmp_path)) == "relaxed"
    srv.stop()


def test_json_logs(start_server, tmp_path):
    srv = start_server(tmp_path / "jl", extra_args=["--log-format", "json",
                                                    "--log-level", "debug"])
    pc = Client(srv, tmp_path)
    pc.iam().list_users()
    with raises_aws("NoSuchEntity", 404):
        pc.iam().get_user(UserName="ghost")
    assert srv.stop() == 0
    lines = [line for line in srv.output().splitlines()
             if line.strip() and not line.startswith("portcullis:")]
    assert lines
    records = [json.loads(line) for line in lines]  # every log line is one JSON object
    text = srv.output()
    assert ROOT.secret_access_key not in text
    assert any("ListUsers" in json.dumps(r) for r in records)


@pytest.mark.parametrize("args,env,needle", [
    (["--port", "http"], {}, "port"),
    (["--enforcement", "sometimes"], {}, "enforcement"),
    ([], {"PORTCULLIS_MAX_BODY_BYTES": "lots"}, "PORTCULLIS_MAX_BODY_BYTES"),
    (["--config", "/nonexistent/portcullis.toml"], {}, "portcullis.toml"),
])
def test_bad_settings_exit_2(tmp_path, args, env, needle):
    full_env = dict(os.environ)
    full_env.update(env)
    port = [] if "--port" in args else ["--port", "0"]
    proc = subprocess.run([str(find_binary()), "serve", "--data-dir", str(tmp_path / "d"),
                           *port, *args], env=full_env, capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert needle in proc.stderr + proc.stdout
    assert "listening" not in proc.stdout


def test_secret_from_environment_is_never_echoed(tmp_path):
    env = dict(os.environ)
    env.update({"PORTCULLIS_ROOT_ACCESS_KEY_ID": "AKIASHORT",
                "PORTCULLIS_ROOT_SECRET_ACCESS_KEY": "tiny-secret-value"})
    proc = subprocess.run([str(find_binary()), "serve", "--data-dir", str(tmp_path / "d"),
                           "--port", "0"], env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "tiny-secret-value" not in proc.stdout + proc.stderr
