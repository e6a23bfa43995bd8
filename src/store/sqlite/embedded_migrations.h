// The migrations of src/store/migrations/, embedded at build time
// (cmake/PortcullisMigrations.cmake), in ascending version order.
#pragma once

#include <span>

#include "store/migration.h"

namespace portcullis::store::sqlite {

std::span<const Migration> EmbeddedMigrations();

}  // namespace portcullis::store::sqlite
