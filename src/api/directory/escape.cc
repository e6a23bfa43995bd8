// RFC 4515 filter and RFC 4514 DN value escaping, settings checks (directory.h).
#include <string>
#include <string_view>

#include "api/directory/directory.h"

namespace portcullis::api::directory {
namespace {

void AppendHex(std::string& out, unsigned char c) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  out += '\\';
  out += kHex[c >> 4U];
  out += kHex[c & 0x0fU];
}

bool IsControl(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

Error Invalid(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), std::nullopt, {}, {}};
}

}  // namespace

std::string EscapeFilterValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '*' || c == '(' || c == ')' || c == '\\' || IsControl(c)) {
      AppendHex(out, c);
    } else {
      out += ch;
    }
  }
  return out;
}

std::string EscapeDnValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const bool leading = i == 0 && (c == ' ' || c == '#');
    const bool trailing = i + 1 == value.size() && c == ' ';
    if (IsControl(c)) {
      AppendHex(out, c);
    } else if (leading || trailing || c == '"' || c == '+' || c == ',' || c == ';' || c == '<' ||
               c == '>' || c == '\\' || c == '=') {
      out += '\\';
      out += value[i];
    } else {
      out += value[i];
    }
  }
  return out;
}

std::string ExpandTemplate(std::string_view templ, std::string_view username, std::string_view dn,
                           Escaping escaping) {
  auto escape = [&](std::string_view v) {
    return escaping == Escaping::kFilter ? EscapeFilterValue(v) : EscapeDnValue(v);
  };
  static constexpr std::string_view kUser = "{username}";
  static constexpr std::string_view kDn = "{dn}";
  std::string out;
  std::size_t i = 0;
  while (i < templ.size()) {
    if (templ.substr(i).starts_with(kUser)) {
      out += escape(username);
      i += kUser.size();
    } else if (templ.substr(i).starts_with(kDn)) {
      out += escape(dn);
      i += kDn.size();
    } else {
      out += templ[i];
      ++i;
    }
  }
  return out;
}

Status ValidateDirectoryOptions(const DirectoryOptions& o) {
  if (!o.configured()) {
    return OkStatus();
  }
  const bool ldaps = o.url.starts_with("ldaps://");
  if (!o.url.starts_with("ldap://") && !ldaps) {
    return MakeError(Invalid("ldap_url `" + o.url + "` must start with ldap:// or ldaps://"));
  }
  if (o.start_tls && ldaps) {
    return MakeError(
        Invalid("StartTLS (ldap_start_tls) needs an ldap:// URL (ldaps:// is TLS already)"));
  }
  if (o.name.empty() || o.name.size() > 128 ||
      o.name.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
          std::string::npos) {
    return MakeError(
        Invalid("ldap_directory_name `" + o.name + "` must be 1 to 128 of A-Z a-z 0-9 _ . -"));
  }
  const bool by_template = !o.user_dn_template.empty();
  const bool by_search = !o.user_search_base.empty();
  if (by_template == by_search) {
    return MakeError(Invalid("set exactly one of ldap_user_dn_template and ldap_user_search_base"));
  }
  if (by_template && o.user_dn_template.find("{username}") == std::string::npos) {
    return MakeError(
        Invalid("ldap_user_dn_template `" + o.user_dn_template + "` must contain {username}"));
  }
  if (by_search && o.user_search_filter.find("{username}") == std::string::npos) {
    return MakeError(
        Invalid("ldap_user_search_filter `" + o.user_search_filter + "` must contain {username}"));
  }
  if (!o.user_search_filter.starts_with("(") || !o.user_search_filter.ends_with(")")) {
    return MakeError(Invalid("ldap_user_search_filter `" + o.user_search_filter +
                             "` must be a parenthesized LDAP filter"));
  }
  if (!o.group_search_filter.starts_with("(") || !o.group_search_filter.ends_with(")")) {
    return MakeError(Invalid("ldap_group_search_filter `" + o.group_search_filter +
                             "` must be a parenthesized LDAP filter"));
  }
  if (!o.bind_password.empty() && o.bind_dn.empty()) {
    return MakeError(Invalid("ldap_bind_password is set but ldap_bind_dn is not"));
  }
  if (!o.bind_dn.empty() && o.bind_password.empty()) {
    // A DN without a password is an unauthenticated bind: refuse it here as well.
    return MakeError(Invalid("ldap_bind_dn is set but ldap_bind_password is not"));
  }
  if (o.group_search_base.empty() && o.group_attribute.empty()) {
    return MakeError(Invalid("set ldap_group_search_base or ldap_group_attribute"));
  }
  if (o.timeout.count() <= 0) {
    return MakeError(Invalid("ldap_timeout must be positive"));
  }
  return OkStatus();
}

}  // namespace portcullis::api::directory
