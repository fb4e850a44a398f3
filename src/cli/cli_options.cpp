// hermetic's command line, parsed by getopt_long as designed: the long options come from the
// policy's field table (policy_fields.hpp) plus the CLI's own (--profile, --check, --explain,
// --version, --help). getopt_long takes unique prefixes (`--no-net`) as argparse, and so
// hermetic-seal, does; this file only turns its error returns into hermetic's one-line messages.
#include "cli_options.hpp"

#include <getopt.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>

#include "hermetic/launch.hpp"
#include "hermetic/policy_fields.hpp"
#include "hermetic/policy_file.hpp"

#ifndef HERMETIC_VERSION
#define HERMETIC_VERSION "0.0.0"
#endif

namespace hermetic::cli {
namespace {

constexpr const char* kSummary =
    "Run a program, Python tool or script with capabilities switched off, enforced by the "
    "kernel.\nUsage: hermetic [flags] -- TARGET [ARGS...]\n\nOptions:\n";

constexpr const char* kExamples = R"(
examples:
  hermetic --no-network -- http https://example.com
  hermetic --no-network --allow-localhost --no-subprocess -- devserver --port 8000
  hermetic --no-network --allow-domain pypi.org --allow-domain files.pythonhosted.org -- pip download requests
  hermetic --fs-readonly=./sandbox -- python my_script.py
  hermetic --fs-readonly=. --explain -- python my_script.py
  hermetic --check
notes:
  `--` separates hermetic's flags from the target and its arguments; it is required.
exit codes:
  the target's own status (or death by the same signal); 1 hermetic error (including a
  kernel that lacks a needed feature); 2 usage error, or a blocked action reported by the
  in-process layer; 126 target not executable; 127 target not found.
)";

// What one long option does: set or add to policy fields, or one of the CLI's own actions.
enum class Own {
  none,
  help,
  version,
  check,
  explain,
  report,
  report_unexpected,
  profile,
  policy,
  policy_file
};
struct OptionMeaning {
  std::string name{};
  int has_arg = no_argument;
  const PolicyField* field = nullptr;     // the switch, or the list/path the value goes to
  const PolicyField* value_to = nullptr;  // optional value of a switch (--fs-readonly=ROOT)
  Own own = Own::none;
  std::string metavar{};
  std::string_view help;
};

std::vector<OptionMeaning> option_meanings() {
  std::vector<OptionMeaning> out;
  out.push_back({.name = "help", .own = Own::help, .help = "Print this help message and exit"});
  for (const auto& field : policy_fields()) {
    for (const auto option : field.options) {
      auto same = std::find_if(out.begin(), out.end(),
                               [option](const auto& m) { return m.name == option; });
      if (same != out.end()) {  // a path sharing a switch's option: the switch's optional value
        same->has_arg = optional_argument;
        same->value_to = &field;
        same->metavar = "[=" + std::string(field.metavar) + "]";
        continue;
      }
      const bool is_switch = field.type == FieldType::flag;
      out.push_back({.name = std::string(option),
                     .has_arg = is_switch ? no_argument : required_argument,
                     .field = &field,
                     .metavar = is_switch ? "" : " " + std::string(field.metavar),
                     .help = field.help});
    }
  }
  out.push_back({.name = "profile",
                 .has_arg = required_argument,
                 .own = Own::profile,
                 .metavar = " PROFILE",
                 .help = "Apply a named profile: block-all, net-hermetic, exec-deny, "
                         "fs-readonly, block-native. Repeatable."});
  out.push_back({.name = "policy",
                 .has_arg = optional_argument,
                 .own = Own::policy,
                 .metavar = "[=NAME]",
                 .help = "Start from policy NAME of the policy file (hermetic.toml, or "
                         "pyproject.toml's [tool.hermetic], found from here upward); without "
                         "NAME, the file's default. Flags add to it and can only tighten it."});
  out.push_back({.name = "policy-file",
                 .has_arg = required_argument,
                 .own = Own::policy_file,
                 .metavar = " FILE",
                 .help = "Read --policy from FILE instead of looking for one."});
  out.push_back({.name = "check",
                 .own = Own::check,
                 .help = "Print what this kernel can enforce, then exit."});
  out.push_back({.name = "explain",
                 .own = Own::explain,
                 .help = "Print the rules the run would apply (target, exec chain, each "
                         "Landlock layer, seccomp), then exit without running the target."});
  out.push_back({.name = "report",
                 .has_arg = required_argument,
                 .own = Own::report,
                 .metavar = " FILE",
                 .help = "Append one JSON line per refused action to FILE, from every process "
                         "and layer of the run (docs/report.md)."});
  out.push_back({.name = "report-unexpected",
                 .own = Own::report_unexpected,
                 .help = "When the run was refused anything, exit 3 listing each refusal and the "
                         "policy lines that would allow it (a ratchet for CI; docs/learn.md)."});
  out.push_back({.name = "version",
                 .own = Own::version,
                 .help = "Display program version information and exit"});
  return out;
}

// --help: one line per option, the aliases of a field on its line (--no-environment,--no-env).
std::string help_text(const std::vector<OptionMeaning>& meanings) {
  std::string text = kSummary;
  for (std::size_t i = 0; i < meanings.size(); ++i) {
    const auto& m = meanings[i];
    if (i > 0 && m.field != nullptr && meanings[i - 1].field == m.field) continue;
    std::string left = m.own == Own::help ? "-h,--help" : "--" + m.name;
    for (std::size_t j = i + 1;
         j < meanings.size() && m.field != nullptr && meanings[j].field == m.field; ++j) {
      left += ",--" + meanings[j].name;
    }
    left += m.metavar;
    text += "  " + left + std::string(left.size() < 28 ? 28 - left.size() : 1, ' ') +
            std::string(m.help) + "\n";
  }
  return text + kExamples;
}

Error usage(const std::string& message) {
  return Error{one_line(message) + " (see hermetic --help)", exit_code::kUsage};
}

std::string joined(const std::vector<std::string>& words, const char* separator) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : separator) + word;
  return out;
}

// The long options `word` (as given, `--name[=value]`) could mean, as getopt_long matched them.
std::vector<const OptionMeaning*> candidates(const std::vector<OptionMeaning>& meanings,
                                             std::string_view word) {
  const std::string_view given = word.substr(0, word.find('='));
  std::vector<const OptionMeaning*> found;
  for (const auto& m : meanings) {
    const std::string full = "--" + m.name;
    if (full == given) return {&m};
    if (full.starts_with(given)) found.push_back(&m);
  }
  return found;
}

// Why getopt_long refused `word`; `missing_value` when it returned ':'.
Error refusal(const std::vector<OptionMeaning>& meanings, std::string_view word,
              bool missing_value) {
  const auto found =
      word.starts_with("--") ? candidates(meanings, word) : std::vector<const OptionMeaning*>{};
  if (found.size() > 1) {
    std::vector<std::string> names;
    names.reserve(found.size());
    for (const auto* m : found) names.push_back("--" + m->name);
    return usage("ambiguous option: " + std::string(word.substr(0, word.find('='))) +
                 " could match " + joined(names, ", "));
  }
  if (found.size() == 1 && missing_value) {
    return usage("--" + found.front()->name + ": 1 required" + found.front()->metavar + " missing");
  }
  // A value on a switch: `--no-network=0` must not be read as "off" (hermetic-seal's argparse
  // refuses any value too).
  return usage("--" + found.front()->name + " takes no value");
}

// The policy --policy / --policy-file name: from FILE, or the file found from the working
// directory upward.
Result<LoadedPolicy> load_file_policy(const std::optional<std::string>& file,
                                      const std::string& name) {
  if (file) return load_policy_file(*file, name);
  std::string cwd(4096, '\0');
  if (::getcwd(cwd.data(), cwd.size()) == nullptr) {
    return Error{"--policy: cannot tell the working directory to look for a policy file from"};
  }
  cwd.resize(cwd.find('\0'));
  auto found = find_policy_file(cwd);
  if (!found) return found.error();
  if (!found.value()) {
    return Error{
        one_line("--policy: no hermetic.toml, nor pyproject.toml with [tool.hermetic], in " + cwd +
                 " or above (or name one with --policy-file FILE)")};
  }
  return load_policy_file(*found.value(), name);
}

}  // namespace

Result<Action> parse(const std::vector<std::string>& args) {
  const auto separator = std::find(args.begin(), args.end(), "--");
  std::vector<std::string> own(args.begin(), separator);
  std::vector<std::string> target;
  if (separator != args.end()) target.assign(separator + 1, args.end());

  const auto meanings = option_meanings();
  // Each option returns its own code (kFirstCode + its index): glibc takes a prefix of several
  // options that share has_arg and code for one option, not for an ambiguity.
  constexpr int kFirstCode = 256;
  std::vector<option> long_options;
  long_options.reserve(meanings.size() + 1);
  for (std::size_t i = 0; i < meanings.size(); ++i) {
    long_options.push_back(
        {meanings[i].name.c_str(), meanings[i].has_arg, nullptr, kFirstCode + static_cast<int>(i)});
  }
  long_options.push_back({nullptr, 0, nullptr, 0});

  std::vector<char*> argv{const_cast<char*>("hermetic")};  // getopt's argv type; never written
  for (auto& word : own) argv.push_back(word.data());
  argv.push_back(nullptr);
  const int argc = static_cast<int>(argv.size()) - 1;

  PolicyBuilder builder;
  std::vector<std::string> unexpected;  // unknown options and stray words, in the order given
  std::vector<std::string> roots;       // every --fs-readonly=ROOT, as given
  const PolicyField* root_field = nullptr;
  bool check = false;
  bool explain = false;
  std::optional<std::string> policy_name;  // --policy, with its NAME or ""
  std::optional<std::string> policy_file;
  std::string report_file;
  bool report_unexpected = false;
  // "-": every word is returned in order (stray words as 1); ":": a missing value is ':';
  // opterr 0: the messages are made below. optind 0 resets getopt's state (glibc and musl).
  opterr = 0;
  optind = 0;
  for (;;) {
    const int at = optind == 0 ? 1 : optind;
    const int code = getopt_long(argc, argv.data(), "-:h", long_options.data(), nullptr);
    if (code == -1) break;
    const std::string_view word = at < argc ? argv[at] : "";
    if (code == 1) {
      unexpected.emplace_back(optarg);
      continue;
    }
    if (code == ':' || (code == '?' && word.starts_with("--") && word != "--" &&
                        !candidates(meanings, word).empty())) {
      return refusal(meanings, word, code == ':');
    }
    if (code == '?') {
      unexpected.emplace_back(word.starts_with("--")
                                  ? std::string(word)
                                  : "-" + std::string(1, static_cast<char>(optopt)));
      continue;
    }
    const OptionMeaning& m =
        code == 'h' ? meanings.front() : meanings[static_cast<std::size_t>(code - kFirstCode)];
    switch (m.own) {
      case Own::help:
        return Action{ShowText{help_text(meanings)}};
      case Own::version:
        return Action{ShowText{std::string("hermetic ") + HERMETIC_VERSION + "\n"}};
      case Own::check:
        check = true;
        continue;
      case Own::explain:
        explain = true;
        continue;
      case Own::report:
        if (*optarg == '\0') return usage("--report: the FILE is empty");
        report_file = optarg;
        continue;
      case Own::report_unexpected:
        report_unexpected = true;
        continue;
      case Own::profile:
        builder.add_profile(optarg);
        continue;
      case Own::policy: {
        // argparse's nargs='?', as --fs-readonly: the next word is NAME unless an option.
        const char* name = optarg;
        if (name == nullptr && optind < argc && argv[optind][0] != '-') name = argv[optind++];
        policy_name = name == nullptr ? "" : name;
        continue;
      }
      case Own::policy_file:
        policy_file = optarg;
        continue;
      case Own::none:
        break;
    }
    if (m.field->type == FieldType::flag) {
      builder.set_flag(m.field->key);
    } else {
      builder.add_value(m.field->key, optarg);
    }
    if (m.value_to == nullptr) continue;
    // argparse's nargs='?': the next word is the value unless it looks like an option.
    const char* value = optarg;
    if (value == nullptr && optind < argc && argv[optind][0] != '-') value = argv[optind++];
    if (value != nullptr && *value != '\0') roots.emplace_back(value);
    root_field = m.value_to;
  }
  if (!unexpected.empty()) {
    // A stray word among hermetic's flags is almost always a target without the separator.
    if (separator == args.end()) {
      return usage(
          "separate hermetic's flags from the target with '--': hermetic [flags] -- TARGET");
    }
    return usage("unexpected argument: " + joined(unexpected, " "));
  }
  if (check) return Action{ShowKernelCheck{}};
  if (explain && (separator == args.end() || target.empty())) {
    // The rules depend on the target (its exec chain, its interpreter's files).
    return usage("--explain needs the target: hermetic [flags] --explain -- TARGET [ARGS...]");
  }
  if (separator == args.end()) {
    return usage("separate hermetic's flags from the target with '--': hermetic [flags] -- TARGET");
  }
  if (target.empty()) return usage("no target given after '--'");
  // A read root is one directory; a second --fs-readonly=ROOT would otherwise replace the first.
  for (const auto& root : roots) {
    if (root != roots.front()) {
      return usage("--fs-readonly=ROOT given twice, " + roots.front() + " and " + root +
                   ": a run has one read root (add paths with --allow-read)");
    }
  }
  if (!roots.empty() && root_field != nullptr) builder.add_value(root_field->key, roots.front());
  std::string source;
  std::string source_file;
  if (policy_name || policy_file) {
    auto loaded = load_file_policy(policy_file, policy_name.value_or(""));
    if (!loaded) return loaded.error();
    if (auto tightens = check_only_tightens(loaded.value(), builder.current()); !tightens) {
      return tightens.error();
    }
    source = "policy " + loaded.value().name + " of " + loaded.value().file;
    source_file = loaded.value().file;
    builder.add(loaded.value().policy);
  }
  auto policy = builder.build();
  if (!policy) return policy.error();
  if (explain) {
    return Action{ExplainTarget{std::move(policy).value(), std::move(target), std::move(source),
                                std::move(report_file)}};
  }
  return Action{RunTarget{std::move(policy).value(), std::move(target), std::move(report_file),
                          report_unexpected, std::move(source_file)}};
}

}  // namespace hermetic::cli
