#include "learn_command.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "base/fd.hpp"
#include "cli_support.hpp"
#include "hermetic/launch.hpp"
#include "hermetic/policy_file.hpp"
#include "launch/launch_steps.hpp"
#include "launch/private_tmpdir.hpp"
#include "learn/grants.hpp"
#include "learn/learn_run.hpp"
#include "learn/policy_writer.hpp"
#include "learn/synthesize.hpp"

namespace hermetic::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage =
    "Usage: hermetic learn [-o FILE] [--policy NAME] [--report FILE] [--check] -- TARGET "
    "[ARGS...]\n"
    "Runs TARGET with nothing enforced, observes every capability it uses (every process, any\n"
    "program) and writes the smallest policy under which the same run passes, as policy NAME\n"
    "(default \"learned\") of the policy file: FILE, else the one --policy would find, else\n"
    "./hermetic.toml. A second learn of the same NAME widens it and prints what it added.\n"
    "  --check          compare with the stored policy, change nothing; exit 3 listing what it\n"
    "                   lacks\n"
    "  --report FILE    also keep the observations (JSON lines, docs/report.md)\n";

constexpr const char* kTableComment =
    "# Learned by `hermetic learn` from observed runs: review before use (docs/learn.md)";

struct Options {
  std::string output;
  std::string name = "learned";
  std::string report;
  bool check = false;
  std::vector<std::string> target;
};

std::optional<Options> parse(const std::vector<std::string>& args, int& code) {
  Options out;
  code = 2;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const auto value = [&](std::string& into) {
      if (i + 1 >= args.size()) return false;
      into = args[++i];
      return true;
    };
    if (arg == "--") {
      out.target.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (arg == "-h" || arg == "--help") {
      (void)std::fputs(kUsage, stdout);
      code = 0;
      return std::nullopt;
    }
    bool ok = true;
    if (arg == "-o" || arg == "--output") {
      ok = value(out.output);
    } else if (arg == "--policy") {
      ok = value(out.name);
    } else if (arg == "--report") {
      ok = value(out.report);
    } else if (arg == "--check") {
      out.check = true;
    } else {
      (void)fail("learn: unknown option '" + arg + "' (hermetic learn --help)", 2);
      return std::nullopt;
    }
    if (!ok) {
      (void)fail("learn: " + arg + " needs a value", 2);
      return std::nullopt;
    }
  }
  if (out.target.empty()) {
    (void)fail("learn: no target: hermetic learn [options] -- TARGET [ARGS...]", 2);
    return std::nullopt;
  }
  return out;
}

std::string canonical_or_same(const std::string& path) {
  std::error_code ec;
  auto real = fs::canonical(path, ec);
  return ec ? path : real.string();
}

// The file the policy goes to: -o, else the one --policy would find, else ./hermetic.toml.
Result<std::string> policy_file_for(const Options& options, const std::string& cwd) {
  if (!options.output.empty()) return fs::absolute(options.output).lexically_normal().string();
  auto found = find_policy_file(cwd);
  if (!found) return found.error();
  if (found.value()) return *found.value();
  return (fs::path(cwd) / "hermetic.toml").string();
}

void print_lines(const std::vector<std::string>& lines) {
  for (const auto& line : lines) (void)std::fprintf(stderr, "  %s\n", line.c_str());
}

}  // namespace

int learn_main(const std::vector<std::string>& args) {
  int code = 0;
  const auto parsed = parse(args, code);
  if (!parsed) return code;
  const Options& options = *parsed;

  const std::string cwd = canonical_or_same(fs::current_path().string());
  auto file = policy_file_for(options, cwd);
  if (!file) return fail(file.error().message, file.error().exit_code);
  // Checked before the run: a policy that cannot be written must not cost a run.
  if (const auto dir = fs::path(file.value()).parent_path(); !fs::is_directory(dir)) {
    return fail("learn: no directory " + dir.string() + " for the policy file", 1);
  }
  auto header = learn::table_header(file.value(), options.name);
  if (!header) return fail(header.error().message, header.error().exit_code);

  // The stored policy first: an error in the file is reported before anything runs.
  std::string text;
  std::optional<learn::Learned> stored;
  if (std::ifstream in(file.value(), std::ios::binary); in) {
    std::ostringstream content;
    content << in.rdbuf();
    text = content.str();
    if (learn::find_table(text, header.value())) {
      auto loaded = load_policy_file(file.value(), options.name);
      if (!loaded) return fail(loaded.error().message, loaded.error().exit_code);
      stored = learn::from_policy(loaded.value().policy, learn::table_keys(text, header.value()));
    }
  }
  if (options.check && !stored) {
    return fail("learn --check: no policy " + options.name + " in " + file.value(), 1);
  }

  // The observations: kept in --report FILE, else in a file of this run only.
  // Absolute: the target's in-process layer appends to it from its own working directory.
  std::string report = options.report.empty() ? "" : fs::absolute(options.report).string();
  std::optional<std::string> scratch;
  if (report.empty()) {
    std::string pattern = tmpdir_parent() + "/hermetic-learn-XXXXXX";
    const Fd made(mkstemp(pattern.data()));
    if (!made) return fail("learn: cannot create a scratch report file in " + tmpdir_parent(), 1);
    report = pattern;
    scratch = pattern;
  }
  std::uint64_t offset = 0;
  {
    const Fd opened(::open(report.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!opened) return fail("learn: cannot open the report file " + report, 1);
    struct stat st {};
    if (fstat(opened.get(), &st) == 0) offset = static_cast<std::uint64_t>(st.st_size);
  }
  const auto cleanup = [&] {
    if (scratch) (void)::unlink(scratch->c_str());
  };

  // The run's first line: nothing below is enforced.
  (void)std::fputs("hermetic: learn mode: observing what the target uses; nothing is enforced\n",
                   stderr);
  auto facts = learn::run(options.target, report);
  if (!facts) {
    cleanup();
    return fail(facts.error().message, facts.error().exit_code);
  }
  auto observed = learn::read_report(read_from(report, offset));
  cleanup();
  if (!observed) return fail("learn: " + observed.error().message, 1);

  learn::Grants grants =
      learn::grants_for(options.target, facts.value().exec_path, facts.value().tmpdir, cwd);
  grants.target_pid = facts.value().pid;
  // The in-process layer's own appends to the report (an enforced --report run grants the file).
  grants.writes.push_back(canonical_or_same(report));
  learn::Learned learned = learn::synthesize(observed.value(), grants, learn::exists_now);
  learn::add_interpreters(learned.exec);

  const std::string base = fs::path(file.value()).parent_path().string();
  const std::string& home = grants.home;
  const learn::Learned merged = stored ? learn::widen(*stored, learned) : learned;
  const std::vector<std::string> lines = learn::table_lines(merged, base, home);
  for (const auto& note : learned.notes) {
    (void)std::fprintf(stderr, "hermetic: learn: note: %s\n", note.c_str());
  }

  if (options.check) {
    const auto lacking = learn::added_lines(learn::table_lines(*stored, base, home), lines);
    if (!lacking.empty()) {
      (void)std::fprintf(stderr, "hermetic: learn --check: policy %s of %s lacks:\n",
                         options.name.c_str(), file.value().c_str());
      print_lines(lacking);
      return kCheckFailed;
    }
    (void)std::fprintf(stderr, "hermetic: learn --check: policy %s of %s allows this run\n",
                       options.name.c_str(), file.value().c_str());
    return launch_steps::mirror_status(facts.value().status);
  }

  std::vector<std::string> body{kTableComment};
  body.insert(body.end(), lines.begin(), lines.end());
  const std::string updated = learn::replace_table(text, header.value(), body);
  {
    std::ofstream out(file.value(), std::ios::binary | std::ios::trunc);
    out << updated;
    if (!out.flush()) return fail("learn: cannot write " + file.value(), 1);
  }
  if (stored) {
    const auto added = learn::added_lines(learn::table_lines(*stored, base, home), lines);
    (void)std::fprintf(stderr, "hermetic: learn: policy %s of %s: %s\n", options.name.c_str(),
                       file.value().c_str(), added.empty() ? "nothing new" : "widened by");
    print_lines(added);
  } else {
    (void)std::fprintf(stderr, "hermetic: learn: wrote policy %s to %s:\n", options.name.c_str(),
                       file.value().c_str());
    print_lines(lines);
  }
  return launch_steps::mirror_status(facts.value().status);
}

}  // namespace hermetic::cli
