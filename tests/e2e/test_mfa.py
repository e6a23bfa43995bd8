"""Virtual MFA devices: CreateVirtualMFADevice, EnableMFADevice, GetMFADevice, ListMFADevices,
ListVirtualMFADevices, ResyncMFADevice, DeactivateMFADevice and DeleteVirtualMFADevice, with
TOTP codes computed here (RFC 6238) from the seed the server hands out."""

import base64
import hashlib
import hmac
import struct
import time

from e2e_util import allow, policy_doc, raises_aws

ACCOUNT = "123456789012"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def totp(seed_base32: str, step: int) -> str:
    """RFC 6238 TOTP: HMAC-SHA1 over the 30-second step, six digits."""
    key = base64.b32decode(seed_base32 + "=" * (-len(seed_base32) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def current_step() -> int:
    """The current TOTP step, waiting out the last seconds of a step so that the server
    still sees the same step when the request arrives."""
    remainder = time.time() % 30
    if remainder > 25:
        time.sleep(30 - remainder + 0.2)
    return int(time.time() // 30)


def get_mfa_device(pc, serial: str, user: str | None = None) -> dict:
    """GetMFADevice through a signed Query request (Debian's botocore predates it); the
    result's members, or {"Error": code} on an error."""
    params = {"Action": "GetMFADevice", "SerialNumber": serial}
    if user is not None:
        params["UserName"] = user
    resp = pc.signed_query(params)
    if resp.status != 200:
        return {"Error": resp.find("Code"), "Status": resp.status}
    return {name: resp.find(name) for name in ("UserName", "SerialNumber", "EnableDate")}


def create_device(iam, name: str, **kwargs) -> tuple[str, str, bytes]:
    """Creates a device; returns its serial number, Base32 seed and QR code PNG."""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name, **kwargs)["VirtualMFADevice"]
    return (device["SerialNumber"], device["Base32StringSeed"].decode("ascii"),
            device["QRCodePNG"])


def test_mfa_device_lifecycle(pc, iam):
    iam.create_user(UserName="bob")
    serial, seed, png = create_device(iam, "bob-phone", Path="/team/",
                                      Tags=[{"Key": "owner", "Value": "bob"}])
    assert serial == f"arn:aws:iam::{ACCOUNT}:mfa/team/bob-phone"
    assert len(seed) == 32 and base64.b32decode(seed)
    assert png.startswith(PNG_SIGNATURE)

    with raises_aws("EntityAlreadyExists", 409,
                    message_contains="MFADevice entity at the same path and name already exists"):
        iam.create_virtual_mfa_device(VirtualMFADeviceName="bob-phone", Path="/team/")

    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in unassigned] == [serial]
    assert "Base32StringSeed" not in unassigned[0] and "User" not in unassigned[0]

    # A wrong code: InvalidAuthenticationCode with AWS's message; nothing is enabled.
    t = current_step()
    with raises_aws("InvalidAuthenticationCode", 403,
                    message_contains="Authentication code for device is not valid"):
        iam.enable_mfa_device(UserName="bob", SerialNumber=serial,
                              AuthenticationCode1="000000" if totp(seed, t - 1) != "000000"
                              else "111111",
                              AuthenticationCode2=totp(seed, t))
    iam.enable_mfa_device(UserName="bob", SerialNumber=serial,
                          AuthenticationCode1=totp(seed, t - 1),
                          AuthenticationCode2=totp(seed, t))

    got = get_mfa_device(pc, serial, "bob")
    assert got["UserName"] == "bob"
    assert got["SerialNumber"] == serial
    assert got["EnableDate"]
    assert get_mfa_device(pc, serial, "alice") == {"Error": "NoSuchEntity", "Status": 404}
    devices = iam.list_mfa_devices(UserName="bob")["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in devices] == [("bob", serial)]
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in assigned] == [serial]
    assert assigned[0]["User"]["UserName"] == "bob"
    assert assigned[0]["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/bob"
    assert iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"] == []

    # The device is in use: neither it nor its user can be deleted.
    with raises_aws("DeleteConflict", 409):
        iam.delete_user(UserName="bob")
    with raises_aws("DeleteConflict", 409, message_contains="still in use"):
        iam.delete_virtual_mfa_device(SerialNumber=serial)

    # Resync with two consecutive codes after the ones used to enable it; the codes used to
    # enable it (a replay) are refused.
    t = current_step()
    with raises_aws("InvalidAuthenticationCode", 403):
        iam.resync_mfa_device(UserName="bob", SerialNumber=serial,
                              AuthenticationCode1=totp(seed, t - 1),
                              AuthenticationCode2=totp(seed, t))
    iam.resync_mfa_device(UserName="bob", SerialNumber=serial,
                          AuthenticationCode1=totp(seed, t + 1),
                          AuthenticationCode2=totp(seed, t + 2))
    with raises_aws("InvalidAuthenticationCode", 403):
        iam.resync_mfa_device(UserName="bob", SerialNumber=serial,
                              AuthenticationCode1=totp(seed, t + 1),
                              AuthenticationCode2=totp(seed, t + 2))

    iam.deactivate_mfa_device(UserName="bob", SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="bob")["MFADevices"] == []
    assert get_mfa_device(pc, serial, "bob") == {"Error": "NoSuchEntity", "Status": 404}
    with raises_aws("NoSuchEntity", 404):
        iam.deactivate_mfa_device(UserName="bob", SerialNumber=serial)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    with raises_aws("NoSuchEntity", 404):
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    iam.delete_user(UserName="bob")


def test_replayed_enable_codes_are_refused(iam):
    """Codes once accepted are never accepted again, even after the device is deactivated and
    enabled anew."""
    iam.create_user(UserName="carol")
    serial, seed, _ = create_device(iam, "carol-phone")
    t = current_step()
    iam.enable_mfa_device(UserName="carol", SerialNumber=serial,
                          AuthenticationCode1=totp(seed, t - 1), AuthenticationCode2=totp(seed, t))
    iam.deactivate_mfa_device(UserName="carol", SerialNumber=serial)
    with raises_aws("InvalidAuthenticationCode", 403):
        iam.enable_mfa_device(UserName="carol", SerialNumber=serial,
                              AuthenticationCode1=totp(seed, t - 1),
                              AuthenticationCode2=totp(seed, t))
    with raises_aws("NoSuchEntity", 404, message_contains="nobody"):
        iam.enable_mfa_device(UserName="nobody", SerialNumber=serial,
                              AuthenticationCode1=totp(seed, t),
                              AuthenticationCode2=totp(seed, t + 1))


def test_mfa_with_the_aws_cli(pc, tmp_path):
    """The aws CLI writes the seed to --outfile; its caller lists its own devices."""
    outfile = tmp_path / "seed.txt"
    out = pc.aws("iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "cli-phone",
                 "--outfile", str(outfile), "--bootstrap-method", "Base32StringSeed")
    serial = out["VirtualMFADevice"]["SerialNumber"]
    assert serial == f"arn:aws:iam::{ACCOUNT}:mfa/cli-phone"
    seed = outfile.read_text().strip()
    assert len(seed) == 32

    png_file = tmp_path / "qr.png"
    pc.aws("iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "cli-qr",
           "--outfile", str(png_file), "--bootstrap-method", "QRCodePNG")
    assert png_file.read_bytes().startswith(PNG_SIGNATURE)

    creds = pc.make_user("dave", policy=policy_doc(
        allow(["iam:EnableMFADevice", "iam:ListMFADevices", "iam:GetMFADevice",
               "iam:DeactivateMFADevice", "iam:ResyncMFADevice"],
              f"arn:aws:iam::{ACCOUNT}:user/dave")))
    t = current_step()
    pc.aws("iam", "enable-mfa-device", "--user-name", "dave", "--serial-number", serial,
           "--authentication-code1", totp(seed, t - 1), "--authentication-code2", totp(seed, t),
           creds=creds)
    mine = pc.aws("iam", "list-mfa-devices", creds=creds)["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in mine] == [("dave", serial)]
    err = pc.aws_error("iam", "resync-mfa-device", "--user-name", "dave", "--serial-number",
                       serial, "--authentication-code1", "123456", "--authentication-code2",
                       "654321", creds=creds)
    assert "InvalidAuthenticationCode" in err
    # dave may not list the virtual devices of the account.
    err = pc.aws_error("iam", "list-virtual-mfa-devices", creds=creds)
    assert "AccessDenied" in err
    all_devices = pc.aws("iam", "list-virtual-mfa-devices")["VirtualMFADevices"]
    assert sorted(d["SerialNumber"] for d in all_devices) == [
        serial, f"arn:aws:iam::{ACCOUNT}:mfa/cli-qr"]


def test_root_user_mfa(pc, iam):
    """The root user's device: UserName "root" from the root user; the root user's own
    devices without UserName; ListVirtualMFADevices names the root user."""
    serial, seed, _ = create_device(iam, "root-account-mfa-device")
    t = current_step()
    iam.enable_mfa_device(UserName="root", SerialNumber=serial,
                          AuthenticationCode1=totp(seed, t - 1), AuthenticationCode2=totp(seed, t))
    mine = iam.list_mfa_devices()["MFADevices"]
    assert [d["SerialNumber"] for d in mine] == [serial]
    listed = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert listed[0]["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert listed[0]["User"]["UserId"] == ACCOUNT
    got = get_mfa_device(pc, serial)
    assert got["SerialNumber"] == serial and got["UserName"] is None
    # Debian's botocore requires UserName here; the newer models make it optional.
    iam.deactivate_mfa_device(UserName="root", SerialNumber=serial)
    assert iam.list_mfa_devices()["MFADevices"] == []
    assert iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"] == []
