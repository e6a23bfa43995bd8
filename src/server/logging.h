// The server's structured logs: one line per event on stderr, as text
// (`2026-11-28T02:41:07.123Z info listening address=127.0.0.1 port=8910`) or as JSON
// (`{"time":"...","level":"info","msg":"listening","address":"127.0.0.1","port":"8910"}`),
// through spdlog's default logger.
//
// Fields are key/value strings; values are quoted in text when they hold spaces or
// quotes, and escaped in JSON. Never pass a secret (secret access keys, the master key)
// as a message or field.
// Thread-safety: every function may be called from any thread once InitLogging returned.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "server/config.h"

namespace portcullis::server::log {

enum class Level : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError };

using Field = std::pair<std::string_view, std::string_view>;

// Installs the default logger with `format` and `level` ("trace" ... "off"). Call once,
// before threads start; later calls replace the logger.
void InitLogging(LogFormat format, std::string_view level);

// Whether a message at `level` would be written (to skip building costly fields).
bool Enabled(Level level);

void Write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void Debug(std::string_view message, std::initializer_list<Field> fields = {}) {
  Write(Level::kDebug, message, fields);
}

inline void Info(std::string_view message, std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, message, fields);
}

inline void Warn(std::string_view message, std::initializer_list<Field> fields = {}) {
  Write(Level::kWarn, message, fields);
}

inline void Error(std::string_view message, std::initializer_list<Field> fields = {}) {
  Write(Level::kError, message, fields);
}

// Renders the part after the level for `format` (exposed for tests).
std::string FormatFields(LogFormat format, std::string_view message,
                         std::initializer_list<Field> fields);

}  // namespace portcullis::server::log
