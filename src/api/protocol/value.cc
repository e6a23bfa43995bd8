#include "api/protocol/value.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <utility>

#include "common/strings.h"

namespace portcullis::api::protocol {

Value Value::String(std::string s) {
  Value v(Kind::kString);
  v.text_ = std::move(s);
  return v;
}

Value Value::Integer(std::int64_t i) {
  Value v(Kind::kInteger);
  v.number_ = i;
  return v;
}

Value Value::Boolean(bool b) {
  Value v(Kind::kBoolean);
  v.number_ = b ? 1 : 0;
  return v;
}

Value Value::TimestampMillis(std::int64_t epoch_millis) {
  Value v(Kind::kTimestamp);
  v.number_ = epoch_millis;
  return v;
}

Value Value::Blob(std::string bytes) {
  Value v(Kind::kBlob);
  v.text_ = std::move(bytes);
  return v;
}

Value& Value::Set(std::string name, Value child) {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) {
      children_[i] = std::move(child);
      return children_[i];
    }
  }
  names_.push_back(std::move(name));
  children_.push_back(std::move(child));
  return children_.back();
}

const Value* Value::Find(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) {
      return &children_[i];
    }
  }
  return nullptr;
}

Value& Value::Append(Value child) {
  children_.push_back(std::move(child));
  return children_.back();
}

bool operator==(const Value& a, const Value& b) {
  return a.kind_ == b.kind_ && a.text_ == b.text_ && a.number_ == b.number_ &&
         a.names_ == b.names_ && a.children_ == b.children_;
}

namespace {

void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      std::array<char, 8> buf{};
      std::snprintf(buf.data(), buf.size(), "\\u%04x", static_cast<unsigned>(c));
      out->append(buf.data());
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void AppendDebug(const Value& v, std::string* out) {
  switch (v.kind()) {
    case Value::Kind::kStructure:
    case Value::Kind::kMap: {
      out->push_back('{');
      for (std::size_t i = 0; i < v.names().size(); ++i) {
        if (i > 0) {
          out->push_back(',');
        }
        AppendQuoted(v.names()[i], out);
        out->push_back(':');
        AppendDebug(v.children()[i], out);
      }
      out->push_back('}');
      break;
    }
    case Value::Kind::kList: {
      out->push_back('[');
      for (std::size_t i = 0; i < v.children().size(); ++i) {
        if (i > 0) {
          out->push_back(',');
        }
        AppendDebug(v.children()[i], out);
      }
      out->push_back(']');
      break;
    }
    case Value::Kind::kString:
      AppendQuoted(v.text(), out);
      break;
    case Value::Kind::kBlob:
      out->append("blob:");
      AppendQuoted(v.text(), out);
      break;
    case Value::Kind::kInteger:
      out->append(std::to_string(v.number()));
      break;
    case Value::Kind::kBoolean:
      out->append(v.boolean() ? "true" : "false");
      break;
    case Value::Kind::kTimestamp:
      AppendQuoted(FormatIso8601(v.number()), out);
      break;
  }
}

bool ReadDigits(std::string_view text, std::size_t pos, std::size_t count, int* value) {
  if (pos + count > text.size()) {
    return false;
  }
  int v = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (!AsciiIsDigit(text[pos + i])) {
      return false;
    }
    v = v * 10 + (text[pos + i] - '0');
  }
  *value = v;
  return true;
}

}  // namespace

std::string Value::DebugString() const {
  std::string out;
  AppendDebug(*this, &out);
  return out;
}

std::string FormatIso8601(std::int64_t epoch_millis) {
  using std::chrono::days;
  using std::chrono::floor;
  using std::chrono::milliseconds;
  using std::chrono::sys_days;
  const std::chrono::sys_time<milliseconds> tp{milliseconds(epoch_millis)};
  const sys_days day = floor<days>(tp);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss<milliseconds> hms{tp - day};
  std::array<char, 64> buf{};
  const long long millis = hms.subseconds().count();
  if (millis != 0) {
    std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long long>(hms.hours().count()),
                  static_cast<long long>(hms.minutes().count()),
                  static_cast<long long>(hms.seconds().count()), millis);
  } else {
    std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02lld:%02lld:%02lldZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long long>(hms.hours().count()),
                  static_cast<long long>(hms.minutes().count()),
                  static_cast<long long>(hms.seconds().count()));
  }
  return buf.data();
}

bool ParseIso8601(std::string_view text, std::int64_t* epoch_millis) {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!ReadDigits(text, 0, 4, &year) || text.size() < 19 || text[4] != '-' ||
      !ReadDigits(text, 5, 2, &month) || text[7] != '-' || !ReadDigits(text, 8, 2, &day) ||
      (text[10] != 'T' && text[10] != 't') || !ReadDigits(text, 11, 2, &hour) || text[13] != ':' ||
      !ReadDigits(text, 14, 2, &minute) || text[16] != ':' || !ReadDigits(text, 17, 2, &second)) {
    return false;
  }
  std::size_t pos = 19;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int scale = 100;
    const std::size_t start = pos;
    while (pos < text.size() && AsciiIsDigit(text[pos])) {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start || pos - start > 9) {
      return false;
    }
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh = 0;
    int om = 0;
    if (!ReadDigits(text, pos + 1, 2, &oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !ReadDigits(text, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset_minutes = (text[pos] == '+' ? 1 : -1) * (oh * 60 + om);
    pos += 6;
  } else {
    return false;
  }
  if (pos != text.size() || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 ||
      second > 60) {
    return false;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) {
    return false;
  }
  const std::int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  const std::int64_t seconds = days * 86400 + std::int64_t{hour} * 3600 +
                               std::int64_t{minute} * 60 + second -
                               std::int64_t{offset_minutes} * 60;
  *epoch_millis = seconds * 1000 + millis;
  return true;
}

}  // namespace portcullis::api::protocol
