// keep: the command line. All the work is in src/cli.
#include "cli/cli.h"

int main(int argc, char** argv) {
  return keep::cli::Run(argc, argv);
}
