// Migration: one numbered schema change of the SQL backends, as embedded into the binary
// from src/store/migrations/NNNN_name.sql by cmake/PortcullisMigrations.cmake.
// Thread-safety: immutable static data.
#pragma once

#include <string_view>

namespace portcullis::store {

struct Migration {
  int version;            // 1, 2, 3, ... without gaps
  std::string_view name;  // the file name's snake_case part
  std::string_view sql;   // the file's text; one or more statements
};

}  // namespace portcullis::store
