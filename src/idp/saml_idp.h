// The SAML 2.0 identity provider route family of `portcullis idp` (idp.h): signed SAML
// responses for AssumeRoleWithSAML, made with the same signer as `portcullis idp
// saml-response` (api/federation/saml_signer.h). The signing key (RSA 2048) and its
// self-signed certificate are made when the IdP starts and live as long as it does.
//
//   GET  /saml/metadata   the IdP's metadata (entityID ISSUER/saml, the signing
//                         certificate): give it to iam:CreateSAMLProvider
//   POST /saml/sso        a signed response for a form (application/x-www-form-urlencoded):
//     subject          NameID (required; with --subject given, one of those)
//     role             ROLE_ARN,PROVIDER_ARN (required, repeatable)
//     session_name     RoleSessionName attribute (default: the subject)
//     tag              KEY=VALUE session tag (PrincipalTag:KEY; repeatable)
//     transitive_tag   TransitiveTagKeys value (repeatable)
//     source_identity  SourceIdentity attribute
//     duration         SessionDuration attribute, seconds
//     valid_for        seconds until NotOnOrAfter (default 300; negative: already expired)
//     format           "json": {"SAMLResponse": BASE64}; otherwise the HTML page a real
//                      IdP returns, a form that posts SAMLResponse to AWS's sign-in URL
#pragma once

#include <memory>

#include "idp/idp.h"

namespace portcullis::idp {

[[nodiscard]] Status RegisterSamlIdp(IdpRouter& router,
                                     const std::shared_ptr<const IdpSettings>& settings);

}  // namespace portcullis::idp
