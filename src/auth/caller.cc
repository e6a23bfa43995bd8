#include "auth/caller.h"

namespace portcullis::auth {

std::string_view PrincipalTypeName(PrincipalType type) {
  switch (type) {
    case PrincipalType::kRoot:
      return "Root";
    case PrincipalType::kUser:
      return "IAMUser";
  }
  return "IAMUser";
}

}  // namespace portcullis::auth
