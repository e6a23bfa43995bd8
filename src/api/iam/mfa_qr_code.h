// The QR code of a virtual MFA device (CreateVirtualMFADevice's QRCodePNG): the otpauth
// URI that authenticator apps read, drawn as a black-on-white PNG (libqrencode for the
// symbol, libpng's simplified writer for the image).
// Thread-safety: pure functions (libqrencode is built thread-safe on Debian).
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace portcullis::api::iam {

// The otpauth URI AWS puts in the QR code:
// otpauth://totp/Amazon%20Web%20Services:DEVICE@ACCOUNT?secret=BASE32&issuer=Amazon%20Web%20Services
// where ACCOUNT is the account's alias, or its id when it has none. Label parts are
// percent-encoded (RFC 3986 unreserved characters kept).
std::string OtpAuthUri(std::string_view device_name, std::string_view account,
                       std::string_view base32_seed);

// The PNG image (8-bit grayscale, 6 pixels per module, a 4-module quiet zone) of a QR
// code holding `text` at error correction level M. kInternal if libqrencode or libpng
// fail (out of memory; text too long for a QR code).
[[nodiscard]] Result<std::string> QrCodePng(std::string_view text);

}  // namespace portcullis::api::iam
