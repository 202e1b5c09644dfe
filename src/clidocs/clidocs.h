// Documentation generated from a command line's CLI11 definition, so that it cannot drift
// from what the program accepts: a man page (troff, man(7) macros) and shell completion
// scripts for bash, zsh and fish. Used by `keep` (man page, `keep completion SHELL`) and
// `keepd` (man page). Pure functions of the CLI::App; hidden commands (empty group) and
// hidden options are left out.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

namespace keep::clidocs {

struct ManInfo {
  std::string name;      // "keep"
  std::string section;   // "1", "8"
  std::string version;   // "0.1.0"
  std::string date;      // "2026-12-02"
  std::string summary;   // one line for NAME
  std::string see_also;  // e.g. "keepd(8)"
};

// The whole man page: NAME, SYNOPSIS, DESCRIPTION (the app's description), OPTIONS, one
// subsection per command path ("keep key create") with its options and positionals, and
// the footer as EXIT STATUS/ENVIRONMENT notes.
std::string ManPage(const CLI::App& app, const ManInfo& info);

// A completion script for `shell` ("bash", "zsh" or "fish") completing command paths and
// their options for program `prog`; "" for another shell.
std::string Completion(const CLI::App& app, std::string_view shell, std::string_view prog);

}  // namespace keep::clidocs
