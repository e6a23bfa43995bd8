#include "api/iam/mfa_qr_code.h"

#include <png.h>
#include <qrencode.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace portcullis::api::iam {
namespace {

constexpr int kPixelsPerModule = 6;
constexpr int kQuietZoneModules = 4;
constexpr std::string_view kIssuer = "Amazon Web Services";

std::string PercentEncode(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

struct QrDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

Error Internal(std::string message) {
  return Error{ErrorCode::kInternal, std::move(message), std::nullopt, {}, {}};
}

}  // namespace

std::string OtpAuthUri(std::string_view device_name, std::string_view account,
                       std::string_view base32_seed) {
  std::string seed(base32_seed);
  while (!seed.empty() && seed.back() == '=') {
    seed.pop_back();
  }
  const std::string issuer = PercentEncode(kIssuer);
  return "otpauth://totp/" + issuer + ":" + PercentEncode(device_name) + "@" +
         PercentEncode(account) + "?secret=" + seed + "&issuer=" + issuer;
}

Result<std::string> QrCodePng(std::string_view text) {
  const std::string input(text);
  std::unique_ptr<QRcode, QrDeleter> code(QRcode_encodeString8bit(input.c_str(), 0, QR_ECLEVEL_M));
  if (!code) {
    return MakeError(Internal("QR code encoding failed"));
  }
  const int modules = code->width + 2 * kQuietZoneModules;
  const int side = modules * kPixelsPerModule;
  std::vector<png_byte> pixels(static_cast<std::size_t>(side) * static_cast<std::size_t>(side),
                               0xFF);
  for (int y = 0; y < code->width; ++y) {
    for (int x = 0; x < code->width; ++x) {
      // Bit 0 of each module byte: 1 is a dark module.
      if ((code->data[static_cast<std::size_t>(y) * static_cast<std::size_t>(code->width) +
                      static_cast<std::size_t>(x)] &
           1U) == 0) {
        continue;
      }
      const int px = (x + kQuietZoneModules) * kPixelsPerModule;
      const int py = (y + kQuietZoneModules) * kPixelsPerModule;
      for (int dy = 0; dy < kPixelsPerModule; ++dy) {
        const std::size_t row = static_cast<std::size_t>(py + dy) * static_cast<std::size_t>(side);
        for (int dx = 0; dx < kPixelsPerModule; ++dx) {
          pixels[row + static_cast<std::size_t>(px + dx)] = 0x00;
        }
      }
    }
  }

  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(side);
  image.height = static_cast<png_uint_32>(side);
  image.format = PNG_FORMAT_GRAY;
  png_alloc_size_t size = 0;
  if (png_image_write_to_memory(&image, nullptr, &size, 0, pixels.data(), side, nullptr) == 0 ||
      size == 0) {
    png_image_free(&image);
    return MakeError(Internal("PNG encoding failed"));
  }
  std::string png(size, '\0');
  if (png_image_write_to_memory(&image, png.data(), &size, 0, pixels.data(), side, nullptr) == 0) {
    png_image_free(&image);
    return MakeError(Internal("PNG encoding failed"));
  }
  png.resize(size);
  png_image_free(&image);
  return png;
}

}  // namespace portcullis::api::iam
