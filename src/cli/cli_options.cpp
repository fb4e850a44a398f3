#include "cli_options.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>

#include "hermetic/launch.hpp"

#ifndef HERMETIC_VERSION
#define HERMETIC_VERSION "0.0.0"
#endif

namespace hermetic::cli {
namespace {

constexpr const char* kExamples = R"(examples:
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
  in-process layer; 126 target not executable; 127 target not found.)";

struct Flags {
  bool no_network = false;
  bool allow_localhost = false;
  std::vector<std::string> allow_domains;
  std::vector<std::string> resolve;
  bool no_subprocess = false;
  std::vector<std::string> fs_readonly;  // present: read-only; a value: the read root
  std::vector<std::string> fs_roots;     // every --fs-readonly=ROOT, as given
  std::vector<std::string> allow_write;
  std::vector<std::string> allow_read;
  bool no_environment = false;
  std::vector<std::string> keep_env;
  bool no_code_exec = false;
  std::vector<std::string> deny_imports;
  bool block_native = false;
  bool no_interpreter_mutation = false;
  std::vector<std::string> profiles;
  bool trace = false;
  bool seal = false;
  bool check = false;
  bool explain = false;
};

void declare(CLI::App& app, Flags& f) {
  // A switch takes no value: CLI11 would read `--no-network=0` as "off" and run the target with
  // less than was asked for (hermetic-seal's argparse refuses any value).
  app.option_defaults()->disable_flag_override();
  app.add_flag("--no-network", f.no_network,
               "Disable network (sockets other than AF_UNIX) and DNS.");
  app.add_flag("--allow-localhost", f.allow_localhost,
               "With --no-network: keep loopback reachable.");
  app.add_option("--allow-domain", f.allow_domains,
                 "With --no-network: keep DOMAIN (exact or dot-suffix) reachable. Repeatable.")
      ->type_name("DOMAIN")
      ->take_all()
      ->expected(1);
  app.add_option("--resolve", f.resolve, "Pin NAME to ADDRESS instead of asking DNS. Repeatable.")
      ->type_name("NAME:ADDRESS")
      ->take_all()
      ->expected(1);
  app.add_flag("--no-subprocess", f.no_subprocess,
               "Disable new processes and exec of other programs.");
  app.add_option("--fs-readonly", f.fs_readonly,
                 "Make the filesystem read-only: writes only to /dev/null, the terminal, a private "
                 "TMPDIR (removed afterwards) and --allow-write paths. With =ROOT, also confine "
                 "reads to ROOT plus what the target needs (see --explain).")
      ->type_name("[=ROOT]")
      ->expected(0, 1)
      ->trigger_on_parse()
      ->each([&f](const std::string& root) {
        if (!root.empty()) f.fs_roots.push_back(root);
      });
  app.add_option("--allow-write", f.allow_write,
                 "With --fs-readonly: keep PATH writable. Repeatable.")
      ->type_name("PATH")
      ->take_all()
      ->expected(1);
  app.add_option("--allow-read", f.allow_read,
                 "With --fs-readonly=ROOT: keep PATH readable. Repeatable.")
      ->type_name("PATH")
      ->take_all()
      ->expected(1);
  app.add_flag("--no-environment,--no-env", f.no_environment,
               "Start the target with a scrubbed environment (PATH, HOME, locale, TERM, TZ "
               "kept; README lists what the target sees).");
  app.add_option("--keep-env", f.keep_env,
                 "With --no-environment: pass variable NAME through. Repeatable.")
      ->type_name("NAME")
      ->take_all()
      ->expected(1);
  app.add_flag("--no-code-exec", f.no_code_exec,
               "Disable eval/exec/compile and runpy (Python targets).");
  app.add_option("--deny-import", f.deny_imports,
                 "Deny importing MODULE and its submodules. Repeatable.")
      ->type_name("MODULE")
      ->take_all()
      ->expected(1);
  app.add_flag("--block-native", f.block_native, "Deny native extensions and FFI modules.");
  app.add_flag("--no-interpreter-mutation", f.no_interpreter_mutation,
               "Disable sys.path/cwd/site mutation (Python targets).");
  app.add_option("--profile", f.profiles,
                 "Apply a named profile: block-all, net-hermetic, exec-deny, fs-readonly, "
                 "block-native. Repeatable.")
      ->type_name("PROFILE")
      ->take_all()
      ->expected(1);
  app.add_flag("--trace", f.trace, "Print one line per blocked action to stderr.");
  app.add_flag("--seal", f.seal, "Make the in-process guards permanent for the target's lifetime.");
  app.add_flag("--check", f.check, "Print what this kernel can enforce, then exit.");
  app.add_flag("--explain", f.explain,
               "Print the rules the run would apply (target, exec chain, each Landlock layer, "
               "seccomp), then exit without running the target.");
  app.set_version_flag("--version", std::string("hermetic ") + HERMETIC_VERSION);
}

Result<Policy> build_policy(const Flags& f, const CLI::App& app) {
  PolicyBuilder b;
  b.block_network(f.no_network).allow_localhost(f.allow_localhost);
  for (const auto& d : f.allow_domains) b.allow_domain(d);
  for (const auto& r : f.resolve) b.resolve(r);
  b.block_subprocess(f.no_subprocess);
  if (app.count("--fs-readonly") > 0) {
    b.fs_readonly();
    if (!f.fs_readonly.empty() && !f.fs_readonly.front().empty()) b.fs_root(f.fs_readonly.front());
  }
  for (const auto& w : f.allow_write) b.allow_write(w);
  for (const auto& r : f.allow_read) b.allow_read(r);
  b.block_environment(f.no_environment).block_code_exec(f.no_code_exec);
  for (const auto& name : f.keep_env) b.keep_env(name);
  for (const auto& m : f.deny_imports) b.deny_import(m);
  b.block_native(f.block_native).block_interpreter_mutation(f.no_interpreter_mutation);
  for (const auto& p : f.profiles) b.add_profile(p);
  b.trace(f.trace).sealed(f.seal);
  return b.build();
}

// CLI11 would print "Usage: hermetic [OPTIONS]"; the target after `--` is the point.
class UsageWithTarget : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App* /*app*/, std::string /*name*/) const override {
    return "Usage: hermetic [flags] -- TARGET [ARGS...]\n";
  }
};

Error usage(const std::string& message) {
  return Error{one_line(message) + " (see hermetic --help)", exit_code::kUsage};
}

std::string joined(const std::vector<std::string>& words, const char* separator) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : separator) + word;
  return out;
}

// argparse, and so hermetic-seal, takes any unambiguous prefix of a long option (`--no-net`);
// CLI11 does not. Each such prefix among hermetic's own arguments is completed here; an
// ambiguous one is an error, as in argparse; an unknown one is left for CLI11 to report.
Result<std::vector<std::string>> complete_prefixes(const CLI::App& app,
                                                   std::vector<std::string> args) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    for (const auto& name : option->get_lnames()) names.push_back("--" + name);
  }
  for (auto& arg : args) {
    if (!arg.starts_with("--") || arg.size() == 2) continue;
    const auto equals = arg.find('=');
    const std::string given = arg.substr(0, equals);
    if (std::find(names.begin(), names.end(), given) != names.end()) continue;
    std::vector<std::string> matches;
    for (const auto& name : names) {
      if (name.starts_with(given)) matches.push_back(name);
    }
    if (matches.size() > 1) {
      return usage("ambiguous option: " + given + " could match " + joined(matches, ", "));
    }
    if (matches.size() == 1)
      arg = matches.front() + (equals == std::string::npos ? "" : arg.substr(equals));
  }
  return args;
}

}  // namespace

Result<Action> parse(const std::vector<std::string>& args) {
  const auto separator = std::find(args.begin(), args.end(), "--");
  std::vector<std::string> own(args.begin(), separator);
  std::vector<std::string> target;
  if (separator != args.end()) target.assign(separator + 1, args.end());

  CLI::App app{
      "Run a program, Python tool or script with capabilities switched off, enforced by "
      "the kernel.",
      "hermetic"};
  app.formatter(std::make_shared<UsageWithTarget>());
  app.footer(kExamples);
  app.allow_windows_style_options(false);
  Flags flags;
  declare(app, flags);
  auto completed = complete_prefixes(app, std::move(own));
  if (!completed) return completed.error();
  own = std::move(completed).value();
  try {
    std::reverse(own.begin(), own.end());  // CLI11 parses a reversed vector
    app.parse(own);
  } catch (const CLI::CallForHelp&) {
    return Action{ShowText{app.help()}};
  } catch (const CLI::CallForVersion&) {
    return Action{ShowText{std::string("hermetic ") + HERMETIC_VERSION + "\n"}};
  } catch (const CLI::ExtrasError&) {
    // A stray word among hermetic's flags is almost always a target without the separator.
    if (separator == args.end()) {
      return usage(
          "separate hermetic's flags from the target with '--': hermetic [flags] -- TARGET");
    }
    // Named from remaining(): the error's own text lists them as the reversed vector holds them.
    return usage("unexpected argument: " + joined(app.remaining(), " "));
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    // "no-network was given a disallowed flag override": a value on a switch.
    const std::string override_text = " was given a disallowed flag override";
    if (what.ends_with(override_text)) {
      return usage("--" + what.substr(0, what.size() - override_text.size()) + " takes no value");
    }
    std::replace(what.begin(), what.end(), '\n', ' ');
    return usage(what);
  }
  if (flags.check) return Action{ShowKernelCheck{}};
  if (flags.explain && (separator == args.end() || target.empty())) {
    // The rules depend on the target (its exec chain, its interpreter's files).
    return usage("--explain needs the target: hermetic [flags] --explain -- TARGET [ARGS...]");
  }
  if (separator == args.end()) {
    return usage("separate hermetic's flags from the target with '--': hermetic [flags] -- TARGET");
  }
  if (target.empty()) return usage("no target given after '--'");
  // A read root is one directory; a second --fs-readonly=ROOT would otherwise replace the first.
  for (const auto& root : flags.fs_roots) {
    if (root != flags.fs_roots.front()) {
      return usage("--fs-readonly=ROOT given twice, " + flags.fs_roots.front() + " and " + root +
                   ": a run has one read root (add paths with --allow-read)");
    }
  }
  auto policy = build_policy(flags, app);
  if (!policy) return policy.error();
  if (flags.explain) return Action{ExplainTarget{std::move(policy).value(), std::move(target)}};
  return Action{RunTarget{std::move(policy).value(), std::move(target)}};
}

}  // namespace hermetic::cli
