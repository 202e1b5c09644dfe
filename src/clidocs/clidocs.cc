// Man pages and completion scripts from a CLI11 definition.
#include "clidocs/clidocs.h"

#include <cstdint>
#include <cstdio>
#include <map>
#include <vector>

namespace keep::clidocs {
namespace {

struct Node {
  std::string path;  // "key create" ("" for the program itself)
  const CLI::App* app;
};

bool Visible(const CLI::App* a) {
  return !a->get_group().empty();
}

void Walk(const CLI::App* app, const std::string& path, std::vector<Node>* out) {
  out->push_back({path, app});
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App* a) { return Visible(a); })) {
    Walk(sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
  }
}

std::vector<const CLI::Option*> Options(const CLI::App* app) {
  return app->get_options([](const CLI::Option* o) { return !o->get_group().empty(); });
}

// An option label with a break point after every comma, so a long list of choices wraps
// instead of running past the right margin (groff: "can't break line").
std::string Label(const CLI::Option* o);

// Escapes text for troff: backslashes, hyphens, a leading dot or quote, and every
// non-ASCII character as groff's \[uXXXX] (a man page is read as ASCII).
std::string Roff(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // A UTF-8 sequence (the CLI's texts are valid UTF-8; anything else becomes U+FFFD).
      const int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : -1;
      uint32_t cp = extra == 3 ? c & 0x07u : extra == 2 ? c & 0x0fu : c & 0x1fu;
      bool ok = extra > 0 && i + static_cast<size_t>(extra) < s.size();
      for (int k = 1; ok && k <= extra; ++k) {
        const auto d = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
        ok = (d & 0xc0) == 0x80;
        cp = (cp << 6) | (d & 0x3fu);
      }
      if (ok) i += static_cast<size_t>(extra);
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\[u%04X]", ok ? cp : 0xFFFDu);
      out += buf;
    }
  }
  std::string fixed;
  bool line_start = true;
  for (char c : out) {
    if (line_start && (c == '.' || c == '\'')) fixed += "\\&";
    fixed += c;
    line_start = c == '\n';
  }
  return fixed;
}

std::string OptionLabel(const CLI::Option* o) {
  if (o->get_positional()) return o->get_name();
  std::string label;
  for (const auto& s : o->get_snames()) label += (label.empty() ? "-" : ", -") + s;
  for (const auto& l : o->get_lnames()) label += (label.empty() ? "--" : ", --") + l;
  if (o->get_expected_min() > 0 || o->get_type_size() > 0) {
    const std::string t = o->get_type_name();
    if (!t.empty() && o->get_items_expected_min() > 0) label += " " + t;
  }
  return label;
}

std::string Label(const CLI::Option* o) {
  std::string out;
  for (char c : Roff(OptionLabel(o))) {
    out += c;
    if (c == ',') out += "\\:";
  }
  return out;
}

std::vector<std::string> Words(const CLI::App* app) {
  std::vector<std::string> w;
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App* a) { return Visible(a); })) {
    w.push_back(sub->get_name());
  }
  for (const CLI::Option* o : Options(app)) {
    if (o->get_positional()) continue;
    for (const auto& l : o->get_lnames()) w.push_back("--" + l);
    for (const auto& s : o->get_snames()) w.push_back("-" + s);
  }
  return w;
}

std::string Join(const std::vector<std::string>& w) {
  std::string s;
  for (const auto& x : w) s += (s.empty() ? "" : " ") + x;
  return s;
}

// Single-quoted for sh and fish (no quote can appear in our names; descriptions are
// escaped).
std::string Quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string FishQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string FirstLine(std::string_view s) {
  const size_t nl = s.find('\n');
  std::string line(s.substr(0, nl));
  if (line.size() > 100) line = line.substr(0, 97) + "...";
  return line;
}

std::string Function(std::string_view prog) {
  std::string f = "_";
  for (char c : prog) f += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return f;
}

std::string Bash(const std::vector<Node>& nodes, std::string_view prog) {
  const std::string fn = Function(prog);
  std::string s = "# bash completion for " + std::string(prog) +
                  " (generated from its command "
                  "definitions: " +
                  std::string(prog) + " completion bash)\n";
  // zsh (through bashcompinit) indexes arrays from 0 only with ksharrays.
  s += fn + "() {\n  [[ -n ${ZSH_VERSION:-} ]] && setopt localoptions ksharrays\n";
  s += "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" path=\"\" next w i\n";
  s += "  for ((i = 1; i < COMP_CWORD; i++)); do\n    w=\"${COMP_WORDS[i]}\"\n";
  s += "    [[ $w == -* ]] && continue\n    next=\"${path:+$path }$w\"\n    case \"$next\" in\n";
  std::string paths;
  for (const Node& n : nodes) {
    if (n.path.empty()) continue;
    paths += (paths.empty() ? "      " : "|") + Quote(n.path);
  }
  if (!paths.empty()) s += paths + ") path=\"$next\" ;;\n";
  s += "    esac\n  done\n  local words=\"\"\n  case \"$path\" in\n";
  for (const Node& n : nodes) {
    s += "    " + Quote(n.path) + ") words=" + Quote(Join(Words(n.app))) + " ;;\n";
  }
  s += "  esac\n  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n}\n";
  s += "complete -o default -F " + fn + " " + std::string(prog) + "\n";
  return s;
}

std::string Fish(const std::vector<Node>& nodes, std::string_view prog) {
  const std::string fn = "__" + Function(prog).substr(1) + "_path_is";
  std::string s = "# fish completion for " + std::string(prog) +
                  " (generated from its command "
                  "definitions: " +
                  std::string(prog) + " completion fish)\n";
  s += "set -g " + fn + "_cmds";
  for (const Node& n : nodes) {
    if (!n.path.empty()) s += " " + FishQuote(n.path);
  }
  s += "\nfunction " + fn + "\n  set -l toks (commandline -opc)\n  set -e toks[1]\n";
  s += "  set -l path ''\n  for t in $toks\n    string match -q -- '-*' $t; and continue\n";
  s += "    set -l next (string trim -- \"$path $t\")\n";
  s += "    contains -- $next $" + fn + "_cmds; and set path $next\n  end\n";
  s += "  test \"$path\" = \"$argv[1]\"\nend\n";
  s += "complete -c " + std::string(prog) + " -f\n";
  for (const Node& n : nodes) {
    const std::string cond = "-n " + FishQuote(fn + " " + Quote(n.path));
    for (const CLI::App* sub :
         n.app->get_subcommands([](const CLI::App* a) { return Visible(a); })) {
      s += "complete -c " + std::string(prog) + " " + cond + " -a " + FishQuote(sub->get_name()) +
           " -d " + FishQuote(FirstLine(sub->get_description())) + "\n";
    }
    for (const CLI::Option* o : Options(n.app)) {
      if (o->get_positional()) {
        s += "complete -c " + std::string(prog) + " " + cond + " -F\n";
        continue;
      }
      for (const auto& l : o->get_lnames()) {
        s += "complete -c " + std::string(prog) + " " + cond + " -l " + l +
             (o->get_items_expected_min() > 0 ? " -r" : "") + " -d " +
             FishQuote(FirstLine(o->get_description())) + "\n";
      }
    }
  }
  return s;
}

}  // namespace

std::string ManPage(const CLI::App& app, const ManInfo& info) {
  std::vector<Node> nodes;
  Walk(&app, "", &nodes);
  std::string upper;
  for (char c : info.name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string s = ".\\\" Generated from " + info.name +
                  "'s command definitions; do not edit (CMake regenerates it).\n";
  s += ".TH " + upper + " " + info.section + " \"" + info.date + "\" \"keep " + info.version +
       "\" \"keep\"\n";
  s += ".ad l\n";  // ragged right: option lists of choices cannot be justified
  s += ".SH NAME\n" + Roff(info.name) + " \\- " + Roff(info.summary) + "\n";
  s += ".SH SYNOPSIS\n.B " + Roff(info.name) + "\n" + (nodes.size() > 1 ? "\\fICOMMAND\\fR " : "") +
       "[\\fIOPTIONS\\fR]\n";
  s += ".SH DESCRIPTION\n" + Roff(app.get_description()) + "\n";
  s += ".SH OPTIONS\n";
  for (const CLI::Option* o : Options(&app)) {
    s += ".TP\n.B " + Label(o) + "\n" + Roff(o->get_description());
    if (!o->get_envname().empty()) s += " (environment: " + Roff(o->get_envname()) + ")";
    s += "\n";
  }
  if (nodes.size() > 1) {
    s += ".SH COMMANDS\n";
    for (const Node& n : nodes) {
      if (n.path.empty()) continue;
      s += ".SS \"" + Roff(info.name + " " + n.path) + "\"\n" + Roff(n.app->get_description()) +
           "\n";
      for (const CLI::Option* o : Options(n.app)) {
        if (o->get_lnames() == std::vector<std::string>{"help"}) continue;
        s += ".TP\n.B " + Label(o) + "\n" + Roff(o->get_description()) +
             (o->get_required() ? " (required)" : "") + "\n";
      }
    }
  }
  if (!app.get_footer().empty()) s += ".SH NOTES\n" + Roff(app.get_footer()) + "\n";
  if (!info.see_also.empty()) s += ".SH SEE ALSO\n" + Roff(info.see_also) + "\n";
  return s;
}

std::string Completion(const CLI::App& app, std::string_view shell, std::string_view prog) {
  std::vector<Node> nodes;
  Walk(&app, "", &nodes);
  if (shell == "bash") return Bash(nodes, prog);
  if (shell == "zsh") {
    return "#compdef " + std::string(prog) +
           "\n# zsh completion: the bash completion through zsh's bashcompinit\n"
           "autoload -U +X bashcompinit && bashcompinit\n" +
           Bash(nodes, prog);
  }
  if (shell == "fish") return Fish(nodes, prog);
  return "";
}

}  // namespace keep::clidocs
