// PEM blocks (RFC 7468) read with OpenSSL's PEM reader, strictly: only white space may
// surround and separate the blocks. Shared by the certificate, private key and public key
// readers. Pure functions; any thread. No exception crosses this API.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace portcullis::crypto {

struct PemBlock {
  std::string name;    // the label: "CERTIFICATE", "PRIVATE KEY", ...
  std::string header;  // RFC 1421 headers ("Proc-Type: 4,ENCRYPTED ..."), usually empty
  std::string data;    // the decoded bytes
};

// Reads the PEM blocks of `text`. Errors: kInvalidArgument when `text` holds no block,
// anything but white space lies outside the blocks, a block does not decode, or there are
// more than `max_blocks`.
[[nodiscard]] Result<std::vector<PemBlock>> ReadPemBlocks(std::string_view text,
                                                          std::size_t max_blocks);

// Returns `data` as one PEM block labelled `name` (64-column base64, trailing newline).
std::string WritePemBlock(std::string_view name, std::string_view data);

}  // namespace portcullis::crypto
