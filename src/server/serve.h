// The `portcullis serve` and `portcullis account create` commands, behind the CLI.
//
// Serve opens the runtime (store, first-account bootstrap, AWS managed policies),
// prints generated root credentials once to `out` (never to a log), prints
// `portcullis: listening on http://ADDR:PORT` once the port is bound, and serves until
// SIGTERM/SIGINT. Exit codes: 0 after a graceful shutdown, 1 when the server cannot
// start (key, store, audit log, address).
//
// CreateAccountCommand opens the SQLite store of the data directory with the configured
// master key and adds an account, printing its root credentials once. Exit codes: 0, 1
// when the store cannot be opened or the id is taken, 2 for an invalid account id or alias.
// Thread-safety: call from main() only.
#pragma once

#include <iosfwd>
#include <string>

#include "server/config.h"

namespace portcullis::server {

inline constexpr int kServeExitOk = 0;
inline constexpr int kServeExitFailure = 1;
inline constexpr int kServeExitUsage = 2;

int Serve(const ServerConfig& config, std::ostream& out, std::ostream& err);

struct CreateAccountArgs {
  std::string account_id;  // empty: random
  std::string alias;
};

int CreateAccountCommand(const ServerConfig& config, const CreateAccountArgs& args,
                         std::ostream& out, std::ostream& err);

}  // namespace portcullis::server
