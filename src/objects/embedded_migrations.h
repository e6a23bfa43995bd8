// The migrations of src/objects/migrations/, embedded at build time
// (cmake/PortcullisMigrations.cmake), in ascending version order.
#pragma once

#include <span>

#include "store/migration.h"

namespace portcullis::objects {

std::span<const store::Migration> EmbeddedObjectMigrations();

}  // namespace portcullis::objects
