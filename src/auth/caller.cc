#include "auth/caller.h"

namespace portcullis::auth {

std::string_view PrincipalTypeName(PrincipalType type) {
  switch (type) {
    case PrincipalType::kRoot:
      return "Root";
    case PrincipalType::kUser:
      return "IAMUser";
    case PrincipalType::kAssumedRole:
      return "AssumedRole";
    case PrincipalType::kFederatedUser:
      return "FederatedUser";
  }
  return "IAMUser";
}

}  // namespace portcullis::auth
