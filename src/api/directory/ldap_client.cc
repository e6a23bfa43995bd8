// Authenticate and FirstRdnValue (directory.h) over OpenLDAP's libldap: ldap_initialize,
// optional StartTLS, simple binds with ldap_sasl_bind_s(LDAP_SASL_SIMPLE), synchronous
// searches, every one bounded by the configured timeout.
#include <ldap.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <sys/time.h>
#include <utility>
#include <vector>

#include "api/directory/directory.h"

namespace portcullis::api::directory {
namespace {

// The one message for every credential failure (unknown user, wrong password, ...).
constexpr std::string_view kRejected = "the directory rejected the username or password";

// At most this many groups are read for one user.
constexpr int kMaxGroups = 1000;

Error Rejected() {
  return Error{ErrorCode::kUnauthenticated, std::string(kRejected), std::nullopt, {}, {}};
}

Error Unavailable(std::string_view what, int rc) {
  return Error{ErrorCode::kUnavailable,
               "directory " + std::string(what) + ": " + ldap_err2string(rc),
               std::nullopt,
               {},
               {}};
}

struct LdapDeleter {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};

using LdapHandle = std::unique_ptr<LDAP, LdapDeleter>;

struct MessageDeleter {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};

using MessageHandle = std::unique_ptr<LDAPMessage, MessageDeleter>;

timeval ToTimeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

// Result codes that mean the directory could not be asked (as opposed to an answer).
bool IsCommunicationFailure(int rc) {
  return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR ||
         rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY || rc == LDAP_TIMELIMIT_EXCEEDED ||
         rc == LDAP_LOCAL_ERROR || rc == LDAP_NO_MEMORY;
}

Result<LdapHandle> Connect(const DirectoryOptions& o) {
  LDAP* raw = nullptr;
  int rc = ldap_initialize(&raw, o.url.c_str());
  if (rc != LDAP_SUCCESS || raw == nullptr) {
    return MakeError(Unavailable("URL is not usable", rc));
  }
  LdapHandle ld(raw);
  const int version = LDAP_VERSION3;
  ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(ld.get(), LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  const timeval tv = ToTimeval(o.timeout);
  ldap_set_option(ld.get(), LDAP_OPT_NETWORK_TIMEOUT, &tv);
  ldap_set_option(ld.get(), LDAP_OPT_TIMEOUT, &tv);
  const int seconds = static_cast<int>(std::max<std::int64_t>(1, (o.timeout.count() + 999) / 1000));
  ldap_set_option(ld.get(), LDAP_OPT_TIMELIMIT, &seconds);
  if (!o.tls_ca_file.empty()) {
    ldap_set_option(ld.get(), LDAP_OPT_X_TLS_CACERTFILE, o.tls_ca_file.c_str());
    const int require = LDAP_OPT_X_TLS_DEMAND;
    ldap_set_option(ld.get(), LDAP_OPT_X_TLS_REQUIRE_CERT, &require);
    const int is_server = 0;
    ldap_set_option(ld.get(), LDAP_OPT_X_TLS_NEWCTX, &is_server);
  }
  if (o.start_tls) {
    rc = ldap_start_tls_s(ld.get(), nullptr, nullptr);
    if (rc != LDAP_SUCCESS) {
      return MakeError(Unavailable("StartTLS failed", rc));
    }
  }
  return ld;
}

// A simple bind. The password is not empty (callers check); it never leaves this call.
int SimpleBind(LDAP* ld, const std::string& dn, std::string_view password) {
  berval cred{};
  cred.bv_len = password.size();
  cred.bv_val = const_cast<char*>(password.data());  // libldap does not write it
  return ldap_sasl_bind_s(ld, dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
}

Status ServiceBind(LDAP* ld, const DirectoryOptions& o) {
  if (o.bind_dn.empty()) {
    return OkStatus();
  }
  const int rc = SimpleBind(ld, o.bind_dn, o.bind_password);
  if (rc != LDAP_SUCCESS) {
    return MakeError(Unavailable("refused the service account", rc));
  }
  return OkStatus();
}

// Runs a synchronous search reading `attribute` ("1.1": no attributes).
Result<MessageHandle> Search(LDAP* ld, const DirectoryOptions& o, const std::string& base,
                             int scope, const std::string& filter, const std::string& attribute,
                             int size_limit) {
  LDAPMessage* raw = nullptr;
  timeval tv = ToTimeval(o.timeout);
  std::array<char*, 2> attrs = {const_cast<char*>(attribute.c_str()), nullptr};
  const int rc = ldap_search_ext_s(ld, base.c_str(), scope, filter.c_str(), attrs.data(), 0,
                                   nullptr, nullptr, &tv, size_limit, &raw);
  MessageHandle result(raw);
  if (rc == LDAP_NO_SUCH_OBJECT) {
    return result;  // an empty answer
  }
  if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
    return MakeError(Unavailable("search failed", rc));
  }
  return result;
}

std::string EntryDn(LDAP* ld, LDAPMessage* entry) {
  char* dn = ldap_get_dn(ld, entry);
  std::string out = dn != nullptr ? dn : "";
  ldap_memfree(dn);
  return out;
}

std::vector<std::string> AttributeValues(LDAP* ld, LDAPMessage* entry, const std::string& attr) {
  std::vector<std::string> out;
  berval** values = ldap_get_values_len(ld, entry, attr.c_str());
  if (values != nullptr) {
    for (berval** v = values; *v != nullptr; ++v) {
      out.emplace_back((*v)->bv_val, (*v)->bv_len);
    }
    ldap_value_free_len(values);
  }
  return out;
}

void AddGroup(DirectoryIdentity& id, const std::string& dn) {
  if (id.group_dns.size() >= kMaxGroups) {
    return;
  }
  auto name = FirstRdnValue(dn);
  if (!name.has_value()) {
    return;
  }
  id.groups.push_back(std::move(*name));
  id.group_dns.push_back(dn);
}

Status CheckUsername(std::string_view username) {
  for (const char ch : username) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      return MakeError(Error{ErrorCode::kInvalidArgument,
                             "the username must not contain control characters",
                             std::nullopt,
                             {},
                             {}});
    }
  }
  return OkStatus();
}

// The user's DN: the template, or the one entry the search as the service account finds
// (whose group attribute, when groups come from it, lands in `member_of`).
Result<std::string> FindUser(LDAP* ld, const DirectoryOptions& o, std::string_view username,
                             std::vector<std::string>& member_of) {
  if (o.user_search_base.empty()) {
    return ExpandTemplate(o.user_dn_template, username, "", Escaping::kDn);
  }
  IAM_RETURN_IF_ERROR(ServiceBind(ld, o));
  const bool by_attribute = o.group_search_base.empty();
  const std::string filter = ExpandTemplate(o.user_search_filter, username, "", Escaping::kFilter);
  IAM_ASSIGN_OR_RETURN(MessageHandle found,
                       Search(ld, o, o.user_search_base, LDAP_SCOPE_SUBTREE, filter,
                              by_attribute ? o.group_attribute : std::string("1.1"), 2));
  if (!found || ldap_count_entries(ld, found.get()) != 1) {
    return MakeError(Rejected());  // unknown, or ambiguous
  }
  LDAPMessage* entry = ldap_first_entry(ld, found.get());
  std::string dn = EntryDn(ld, entry);
  if (dn.empty()) {
    return MakeError(Rejected());
  }
  if (by_attribute) {
    member_of = AttributeValues(ld, entry, o.group_attribute);
  }
  return dn;
}

// The groups of `id.dn`, after its bind: from `member_of` (read by the user search) or
// the user's entry, or by a group search. As the service account when there is one.
Status ReadGroups(LDAP* ld, const DirectoryOptions& o, std::string_view username,
                  std::vector<std::string> member_of, DirectoryIdentity& id) {
  const bool by_attribute = o.group_search_base.empty();
  const bool by_template = o.user_search_base.empty();
  if (!by_attribute || by_template) {
    IAM_RETURN_IF_ERROR(ServiceBind(ld, o));
  }
  if (by_attribute && by_template) {
    IAM_ASSIGN_OR_RETURN(MessageHandle self, Search(ld, o, id.dn, LDAP_SCOPE_BASE,
                                                    "(objectClass=*)", o.group_attribute, 1));
    LDAPMessage* entry = self ? ldap_first_entry(ld, self.get()) : nullptr;
    if (entry != nullptr) {
      member_of = AttributeValues(ld, entry, o.group_attribute);
    }
  }
  if (by_attribute) {
    for (const std::string& dn : member_of) {
      AddGroup(id, dn);
    }
    return OkStatus();
  }
  const std::string filter =
      ExpandTemplate(o.group_search_filter, username, id.dn, Escaping::kFilter);
  IAM_ASSIGN_OR_RETURN(MessageHandle groups, Search(ld, o, o.group_search_base, LDAP_SCOPE_SUBTREE,
                                                    filter, "1.1", kMaxGroups));
  if (groups) {
    for (LDAPMessage* e = ldap_first_entry(ld, groups.get()); e != nullptr;
         e = ldap_next_entry(ld, e)) {
      AddGroup(id, EntryDn(ld, e));
    }
  }
  return OkStatus();
}

}  // namespace

std::optional<std::string> FirstRdnValue(std::string_view dn) {
  const std::string text(dn);
  LDAPDN parsed = nullptr;
  if (text.empty() || ldap_str2dn(text.c_str(), &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
      parsed == nullptr) {
    return std::nullopt;
  }
  std::optional<std::string> out;
  if (parsed[0] != nullptr && parsed[0][0] != nullptr) {
    const berval& v = parsed[0][0]->la_value;
    out = std::string(v.bv_val, v.bv_len);
  }
  ldap_dnfree(parsed);
  return out;
}

Result<DirectoryIdentity> Authenticate(const DirectoryOptions& o, std::string_view username,
                                       std::string_view password) {
  IAM_RETURN_IF_ERROR(CheckUsername(username));
  // An empty password (or username) would be an unauthenticated bind, which succeeds.
  if (username.empty() || password.empty()) {
    return MakeError(Rejected());
  }
  IAM_ASSIGN_OR_RETURN(LdapHandle ld, Connect(o));
  std::vector<std::string> member_of;
  DirectoryIdentity id;
  IAM_ASSIGN_OR_RETURN(id.dn, FindUser(ld.get(), o, username, member_of));

  const int rc = SimpleBind(ld.get(), id.dn, password);
  if (rc != LDAP_SUCCESS) {
    if (IsCommunicationFailure(rc)) {
      return MakeError(Unavailable("bind failed", rc));
    }
    // invalidCredentials, and whatever else refuses this DN and password
    // (inappropriateAuthentication, unwillingToPerform, invalidDNSyntax, ...).
    return MakeError(Rejected());
  }
  IAM_RETURN_IF_ERROR(ReadGroups(ld.get(), o, username, std::move(member_of), id));
  return id;
}

}  // namespace portcullis::api::directory
