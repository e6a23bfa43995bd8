// The OpenID Connect issuer route family of `portcullis idp` (idp.h).
//
// POST /token takes a form (application/x-www-form-urlencoded; every field optional):
//   grant_type   client_credentials (the only grant; anything else is 400)
//   client_id    the default audience and subject
//   sub          the subject (default: client_id, else "portcullis-user")
//   aud          the audience, repeatable (default: client_id, else --audience)
//   amr          authentication methods, repeatable
//   azp          the authorized party
//   expires_in   lifetime in seconds, -86400..86400 (default 3600; negative issues a token
//                that is already expired, for tests)
//   nbf_in       seconds from now to nbf (default: no nbf)
//   claims       a JSON object merged into the claims (e.g. https://aws.amazon.com/tags)
// and answers {"id_token", "access_token" (the same JWT), "token_type": "Bearer",
// "expires_in"}. With --subject given, other subjects get 403 access_denied.
#pragma once

#include <memory>

#include "idp/idp.h"

namespace portcullis::idp {

[[nodiscard]] Status RegisterOidcIssuer(IdpRouter& router,
                                        const std::shared_ptr<const IdpSettings>& settings);

}  // namespace portcullis::idp
