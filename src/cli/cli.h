// The `portcullis` command line: subcommands, their flags and exit codes.
//
//   portcullis policy validate FILE [--kind K] [--json]
//   portcullis policy evaluate [simple flags | --request FILE|- | --requests FILE.jsonl] [--json]
//
// Exit codes (docs/cli.md): 0 success (validate: valid; evaluate: Allow, or a batch
// that was fully processed), 1 invalid input (bad policy, bad request, unreadable
// file), 2 usage error, 3 ImplicitDeny, 4 ExplicitDeny (single evaluation only).
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
