#include "server/logging.h"

#include <memory>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace portcullis::server::log {
namespace {

spdlog::level::level_enum ToSpd(Level level) {
  switch (level) {
    case Level::kTrace:
      return spdlog::level::trace;
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  out += '"';
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4U];
          out += kHex[c & 0xfU];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

bool NeedsQuotes(std::string_view text) {
  if (text.empty()) {
    return true;
  }
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= ' ' || c == '"' || c == '=' || c == 0x7f) {
      return true;
    }
  }
  return false;
}

// Text logs keep one event per line: control characters are escaped.
void AppendText(std::string& out, std::string_view text) {
  if (NeedsQuotes(text)) {
    AppendJsonString(out, text);
  } else {
    out += text;
  }
}

}  // namespace

std::string FormatFields(LogFormat format, std::string_view message,
                         std::initializer_list<Field> fields) {
  std::string out;
  if (format == LogFormat::kJson) {
    out += "\"msg\":";
    AppendJsonString(out, message);
    for (const auto& [key, value] : fields) {
      out += ',';
      AppendJsonString(out, key);
      out += ':';
      AppendJsonString(out, value);
    }
    return out;
  }
  for (const char ch : message) {
    const auto c = static_cast<unsigned char>(ch);
    out += (c < 0x20 || c == 0x7f) ? ' ' : ch;
  }
  for (const auto& [key, value] : fields) {
    out += ' ';
    out += key;
    out += '=';
    AppendText(out, value);
  }
  return out;
}

namespace {

LogFormat g_format = LogFormat::kText;  // set by InitLogging before threads start

}  // namespace

void InitLogging(LogFormat format, std::string_view level) {
  g_format = format;
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("portcullis", std::move(sink));
  const char* pattern = format == LogFormat::kJson
                            ? R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})"
                            : "%Y-%m-%dT%H:%M:%S.%eZ %l %v";
  logger->set_formatter(
      std::make_unique<spdlog::pattern_formatter>(pattern, spdlog::pattern_time_type::utc));
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

bool Enabled(Level level) {
  return spdlog::default_logger_raw()->should_log(ToSpd(level));
}

void Write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  spdlog::logger* logger = spdlog::default_logger_raw();
  const auto spd = ToSpd(level);
  if (!logger->should_log(spd)) {
    return;
  }
  const std::string line = FormatFields(g_format, message, fields);
  logger->log(spd, spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace portcullis::server::log
