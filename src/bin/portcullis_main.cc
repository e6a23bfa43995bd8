// The `portcullis` binary: all logic lives in src/cli.
#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) {
  return portcullis::cli::RunCli(argc, argv, std::cout, std::cerr);
}
