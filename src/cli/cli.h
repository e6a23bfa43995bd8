// The `portcullis` command line: subcommands, their flags and exit codes.
//
//   portcullis policy validate FILE [--kind K] [--json]
//   portcullis policy evaluate [simple flags | --request FILE|- | --requests FILE.jsonl] [--json]
//   portcullis serve [--config FILE] [setting flags]      (docs/configuration.md)
//   portcullis idp [--port N] [--alg A] [--key-file PEM] [--subject S]...  (docs/federation.md)
//   portcullis account create [--account-id ID] [--alias A] [--data-dir D] [--config FILE]
//
// Exit codes (docs/cli.md): 0 success (validate: valid; evaluate: Allow, or a batch
// that was fully processed), 1 invalid input (bad policy, bad request, unreadable
// file), 2 usage error, 3 ImplicitDeny, 4 ExplicitDeny (single evaluation only).
// serve: 0 after a graceful shutdown, 1 when the server cannot start, 2 for a bad
// setting. account create: 0, 1 when the store fails or the id is taken, 2 bad values.
#pragma once

#include <iosfwd>

namespace portcullis::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalidInput = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitImplicitDeny = 3;
inline constexpr int kExitExplicitDeny = 4;

// Runs the command line. Writes results to `out` and diagnostics to `err`.
int RunCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace portcullis::cli
