// basalt: a Supabase-compatible backend in one binary. All commands live in src/cli.
#include "cli/cli.hpp"

int main(int argc, char** argv) {
  return basalt::cli::run(argc, argv);
}
