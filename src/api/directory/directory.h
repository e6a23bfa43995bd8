// The directory (LDAP / Active Directory) client behind the Portcullis extension
// AssumeRoleWithLDAPIdentity (docs/directory-federation.md): finds a user's DN (by a DN
// template or by a search as a service account), proves the password with a simple bind
// as that DN, and reads the user's groups (the memberOf attribute of the user's entry, or
// a search under a group base).
//
// Every value from a request reaches LDAP escaped: filter values per RFC 4515, DN
// attribute values per RFC 4514. An empty password is refused before any bind (a simple
// bind with a DN and no password is an unauthenticated bind, which servers answer with
// success). Passwords (the user's and the service account's) never appear in an error.
//
// Thread-safety: every Authenticate call opens and closes its own connection (libldap
// 2.5 is thread-safe per handle); the helpers are pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace portcullis::api::directory {

// The server settings of the one directory the server talks to (ldap_* settings,
// docs/configuration.md).
struct DirectoryOptions {
  // The directory's name: requests may name it (DirectoryName) and trust policies trust
  // arn:aws:iam::ACCOUNT:ldap-provider/<name>.
  std::string name = "default";
  // ldap://host[:port] or ldaps://host[:port]; empty: no directory (the operation answers
  // that none is configured).
  std::string url;
  bool start_tls = false;        // ldap:// upgraded with StartTLS before any bind
  std::string tls_ca_file;       // CA bundle for ldaps:// and StartTLS; empty: the system's
  std::string user_dn_template;  // "uid={username},ou=people,dc=example,dc=org"
  // When set (and no template): the user is found by a subtree search under this base.
  std::string user_search_base;
  std::string user_search_filter = "(uid={username})";  // AD: (sAMAccountName={username})
  // The service account the searches bind as; empty: searches run anonymously (user
  // search) or as the user (group search).
  std::string bind_dn;
  std::string bind_password;  // a secret: environment or config file only, never logged
  // Group lookup: a search under group_search_base when it is set, else the
  // group_attribute values (group DNs) of the user's entry.
  std::string group_attribute = "memberOf";
  std::string group_search_base;
  std::string group_search_filter = "(member={dn})";  // {dn} and {username} are expanded
  std::chrono::milliseconds timeout{5000};            // connect and each operation

  bool configured() const { return !url.empty(); }
};

// Checks settings that do not depend on the server: the URL scheme, exactly one of
// user_dn_template (with {username}) and user_search_base, a filter with {username},
// bind_password only with bind_dn, StartTLS only with ldap://. kInvalidArgument naming the
// setting; the bind password is never quoted.
[[nodiscard]] Status ValidateDirectoryOptions(const DirectoryOptions& options);

// Who the directory says the user is.
struct DirectoryIdentity {
  std::string dn;
  std::vector<std::string> groups;  // group names: the first RDN's value (cn=admins,... -> admins)
  std::vector<std::string> group_dns;  // the groups' DNs, in the same order
};

// Authenticates `username` with `password` against the directory.
// Errors: kUnauthenticated for an unknown user, a wrong or empty password, or a name
// that finds several entries (one message for all: no user enumeration);
// kInvalidArgument for a username with control characters; kUnavailable when the
// directory cannot be reached, times out, refuses the service account or fails a search.
[[nodiscard]] Result<DirectoryIdentity> Authenticate(const DirectoryOptions& options,
                                                     std::string_view username,
                                                     std::string_view password);

// RFC 4515 section 3: `*`, `(`, `)`, `\` and NUL as \2a \28 \29 \5c \00 (and every other
// byte below 0x20 or 0x7f, as \XX, for readability of logs).
std::string EscapeFilterValue(std::string_view value);

// RFC 4514 section 2.4: `"`, `+`, `,`, `;`, `<`, `>`, `\` and `=` with a backslash; a
// leading space or `#` and a trailing space with a backslash; NUL (and other control
// bytes) as \XX.
std::string EscapeDnValue(std::string_view value);

// How ExpandTemplate escapes the values it substitutes.
enum class Escaping : std::uint8_t { kFilter, kDn };

// `templ` with each `{username}` replaced by `username` and each `{dn}` by `dn`, escaped
// as `escaping` says.
std::string ExpandTemplate(std::string_view templ, std::string_view username, std::string_view dn,
                           Escaping escaping);

// The value of a DN's first RDN, unescaped ("cn=Domain Admins,ou=g,dc=x" -> "Domain
// Admins"); nullopt when `dn` does not parse as a DN.
std::optional<std::string> FirstRdnValue(std::string_view dn);

}  // namespace portcullis::api::directory
