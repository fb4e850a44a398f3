#include "learn/synthesize.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "launch/environment.hpp"
#include "policy/address_class.hpp"

namespace hermetic::learn {
namespace {

namespace fs = std::filesystem;

// More loopback ports than this, or one in the ephemeral range, and the run talks to servers
// whose ports change from run to run (a test server on port 0): allow_localhost, not a list.
constexpr std::size_t kMaxLoopbackPorts = 4;
constexpr long kEphemeralPorts = 32768;  // net.ipv4.ip_local_port_range's default start

bool under(const std::string& path, const std::string& dir) {
  if (dir.empty()) return false;
  if (dir == "/") return path.starts_with('/');
  return path == dir ||
         (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

bool under_any(const std::string& path, const std::vector<std::string>& dirs) {
  return std::any_of(dirs.begin(), dirs.end(), [&](const auto& dir) { return under(path, dir); });
}

std::string parent(const std::string& path) {
  const std::string up = fs::path(path).parent_path().string();
  return up.empty() ? "/" : up;
}

int depth(const std::string& path) {
  return static_cast<int>(std::count(path.begin(), path.end(), '/')) - (path == "/" ? 1 : 0);
}

// Names that stand for the caller's stdio or a process, not for a file a policy can name.
bool process_specific(const std::string& path) {
  if (path.starts_with("/dev/std") || path.starts_with("/dev/fd/")) return true;
  if (!path.starts_with("/proc/")) return false;
  const std::string rest = path.substr(6);
  return rest.starts_with("self") || rest.starts_with("thread-self") ||
         (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest[0])) != 0);
}

// Entries covered by another entry (an ancestor) go.
void drop_covered(std::set<std::string>& paths) {
  for (auto it = paths.begin(); it != paths.end();) {
    const bool covered = std::any_of(paths.begin(), paths.end(), [&](const std::string& other) {
      return other != *it && under(*it, other);
    });
    it = covered ? paths.erase(it) : std::next(it);
  }
}

// Siblings become their directory when there are enough of them, never above the second level
// (/usr/include, not /usr), never $HOME itself or a directory above the read root (a grant
// there would expose the user's other files).
void group(std::set<std::string>& paths, const Grants& grants) {
  for (bool changed = true; changed;) {
    changed = false;
    drop_covered(paths);
    std::map<std::string, int> children;
    for (const auto& path : paths) ++children[parent(path)];
    for (const auto& [entry, count] : children) {
      const std::string dir = entry;  // (a structured binding cannot be captured in C++20)
      const int level = depth(dir);
      const int needed = level >= 3 ? 2 : 3;
      if (level < 2 || count < needed || dir == grants.home || under(grants.root, dir)) continue;
      std::erase_if(paths, [&](const std::string& path) { return under(path, dir); });
      paths.insert(dir);
      changed = true;
    }
  }
}

std::string host_port(const std::string& address, long port) {
  const bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

bool loopback(const std::string& address) {
  auto parsed = address_class::parse_address(address);
  return parsed && address_class::is_loopback(parsed.value());
}

bool unspecified(const std::string& address) {
  auto parsed = address_class::parse_address(address);
  return parsed && address_class::is_unspecified(parsed.value());
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string shown(const std::string& path, const std::string& base, const std::string& home) {
  if (!base.empty() && under(path, base)) {
    const std::string rest = path == base ? "" : path.substr(base == "/" ? 1 : base.size() + 1);
    return rest.empty() ? "." : rest;
  }
  if (!home.empty() && under(path, home)) return "~" + path.substr(home.size());
  return path;
}

void list_lines(std::vector<std::string>& out, std::string_view key,
                const std::set<std::string>& values,
                const std::function<std::string(const std::string&)>& show) {
  if (values.empty()) return;
  out.push_back(std::string(key) + " = [");
  std::set<std::string> shown_values;
  for (const auto& value : values) shown_values.insert(show(value));
  for (const auto& value : shown_values) out.push_back("  " + quoted(value) + ",");
  out.emplace_back("]");
}

// What the Python view of a run saw (synthesize's loop).
struct PythonView {
  bool target_watched;     // the in-process layer watched the target itself
  bool unwatched_program;  // a program ran that it did not watch (not Python, or too old)
  bool programs_run;       // any program ran besides the target
  bool dynamic_code;
  bool whole_environment;
  std::set<std::string> native;  // modules and libraries loaded
};

// The Python-only blocks: off where a use was seen (also in a refusal, for the ratchet); on where
// the watched run had none; unjudged (nullopt) where the view did not cover the run.
void python_view(Learned& out, const PythonView& view, std::set<std::string>& notes) {
  if (view.dynamic_code) {
    out.block_code_exec = false;
  } else if (view.target_watched) {
    out.block_code_exec = true;
  }
  if (!view.native.empty()) {
    out.block_native = false;
    constexpr std::size_t kNamed = 5;
    std::string names;
    std::size_t count = 0;
    for (const auto& name : view.native) {
      if (count++ < kNamed) names += (names.empty() ? "" : ", ") + name;
    }
    if (count > kNamed) names += " and " + std::to_string(count - kNamed) + " more";
    notes.insert("native code loaded: " + names);
  } else if (view.target_watched) {
    // block_native's kernel part (no executable memory) would stop any program it then runs.
    out.block_native = !view.programs_run;
    if (view.programs_run) notes.insert("block_native stays off: the run starts other programs");
  }
  if (view.whole_environment) {
    out.block_environment = false;
    notes.insert("the whole environment was read (iterated, copied): block_environment is off");
  } else if (view.target_watched && !view.unwatched_program) {
    out.block_environment = true;
  } else if (view.target_watched) {
    notes.insert("block_environment not learned: a program of the run is not a watched Python");
  }
}

}  // namespace

Result<std::vector<Observed>> read_report(std::string_view text, std::string_view decision) {
  std::vector<Observed> out;
  std::istringstream lines{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty()) continue;
    const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object() || json.value("v", 0) != 1) {
      return Error{"report line " + std::to_string(number) + " is not a version 1 report line"};
    }
    if (json.value("decision", "") != decision) continue;
    Observed event;
    event.capability = json.value("capability", "");
    event.operation = json.value("operation", "");
    if (const auto detail = json.find("detail"); detail != json.end() && detail->is_object()) {
      event.path = detail->value("path", "");
      event.path2 = detail->value("path2", "");
      event.address = detail->value("address", "");
      event.port = detail->value("port", -1L);
      event.name = detail->value("name", "");
    }
    event.pid = json.value("pid", 0L);
    out.push_back(std::move(event));
  }
  return out;
}

Learned synthesize(const std::vector<Observed>& observed, const Grants& grants,
                   const std::function<bool(const std::string&)>& exists) {
  Learned out;
  out.root = grants.root;
  bool forks = false;
  std::set<std::string> loopback_ports;  // "ADDR:PORT" of loopback destinations
  bool ephemeral = false;
  std::set<std::string> created;
  std::set<std::string> writes;
  std::set<std::string> reads;
  std::set<std::string> notes;
  // The Python view (src/python/learn_view.hpp). A process is watched from its watch line on; a
  // program it runs (an exec line of its pid) is not, until that program's own watch line.
  bool target_watched = false;
  std::set<long> unwatched;
  bool programs_run = false;
  bool dynamic_code = false;
  bool whole_environment = false;
  std::set<std::string> native;
  for (const auto& use : observed) {
    if (use.capability == "network") {
      if (use.port < 0) {  // a unix socket: outside --no-network but for abstract names
        if (use.address.starts_with('@')) {
          out.block_network = false;
          notes.insert("abstract unix socket " + use.address + ": the network stays open");
        }
        continue;
      }
      const bool local = use.operation == "bind" || use.operation == "listen";
      // A bind to port 0 that is never listened on is a probe (urllib3 binds [::1]:0 to learn
      // whether IPv6 works) or a client's own port: refused, it costs the run nothing. A server
      // on port 0 shows in its listen, which names the port it got.
      if (use.operation == "bind" && use.port == 0) continue;
      if (local) {
        if (use.port >= kEphemeralPorts) {
          ephemeral = true;
        } else if (use.operation == "bind" && !loopback(use.address)) {
          out.block_network = false;  // bind is refused off loopback under --no-network
          notes.insert("binds " + host_port(use.address, use.port) + ": the network stays open");
        } else {
          out.bind.insert(std::to_string(use.port));
        }
        continue;
      }
      if (use.port == 53) {
        notes.insert("name lookups (" + host_port(use.address, use.port) +
                     "): hermetic refuses DNS; pin names with resolve or allow_domains");
        continue;
      }
      if (loopback(use.address) || unspecified(use.address)) {
        loopback_ports.insert(host_port(use.address, use.port));
        if (use.port >= kEphemeralPorts) ephemeral = true;
      } else {
        out.connect.insert(host_port(use.address, use.port));
      }
    } else if (use.capability == "interpreter" && use.operation == "watch") {
      unwatched.erase(use.pid);
      if (use.pid == grants.target_pid) target_watched = true;
    } else if (use.capability == "environment") {
      if (use.operation == "list") whole_environment = true;
      // Variables an enforced run keeps anyway (PATH, HOME, the locale) need no line.
      if (use.operation == "getenv" && !use.name.empty() &&
          !environment::kept_when_scrubbed(use.name)) {
        out.keep_env.insert(use.name);
      }
    } else if (use.capability == "native") {
      native.insert(use.name.empty() ? use.path : use.name);
    } else if (use.capability == "code") {
      dynamic_code = true;
    } else if (use.capability == "subprocess") {
      if (use.operation == "fork") forks = true;
      if (use.operation == "exec") {
        programs_run = true;
        unwatched.insert(use.pid);
      }
      // The target's own chain (a script's interpreter) is the run itself, not a subprocess.
      if (use.operation == "exec" && !use.path.empty() &&
          std::find(grants.execs.begin(), grants.execs.end(), use.path) == grants.execs.end()) {
        out.exec.insert(use.path);
        reads.insert(use.path);  // under a read root a program is run only where it is read
      }
    } else if (use.capability == "fs_write") {
      const std::string& path = use.path;
      if (path.empty() || process_specific(path)) continue;
      const std::string& op = use.operation;
      if (op == "create" || op == "mkdir" || op == "link") {  // a new name in a directory
        created.insert(path);
        writes.insert(parent(path));
      } else if (op == "remove") {
        writes.insert(parent(path));
      } else if (op == "rename") {
        writes.insert(parent(path));
        if (!use.path2.empty()) {
          created.insert(use.path2);
          writes.insert(parent(use.path2));
        }
      } else {
        writes.insert(path);
      }
    } else if (use.capability == "fs_read") {
      if (use.path.empty() || process_specific(use.path)) continue;
      // Listing a directory above the read root (a walk up to find a project's root) needs no
      // grant of that whole directory: the walk goes on without it.
      if (use.operation == "list" && under(grants.root, use.path)) continue;
      reads.insert(use.path);
    }
  }

  // Writes: the nearest directory that was there before the run.
  for (const auto& path : writes) {
    if (under_any(path, grants.writes)) continue;
    std::string place = path;
    while (place != "/" && (created.contains(place) || !exists(place))) place = parent(place);
    if (under_any(place, grants.writes)) continue;
    out.write.insert(place);
  }
  group(out.write, grants);

  // Reads: outside the root, the runtime's and the writable places.
  for (const auto& path : reads) {
    if (under(path, grants.root) || under_any(path, grants.reads) ||
        under_any(path, grants.writes) || created.contains(path)) {
      continue;
    }
    if (std::any_of(out.write.begin(), out.write.end(),
                    [&](const std::string& dir) { return under(path, dir); })) {
      continue;
    }
    std::string place = path;
    while (place != "/" && !exists(place)) place = parent(place);
    out.read.insert(place);
  }
  group(out.read, grants);

  if (ephemeral || loopback_ports.size() > kMaxLoopbackPorts) {
    out.allow_localhost = true;
    out.bind.clear();
  } else {
    out.connect.insert(loopback_ports.begin(), loopback_ports.end());
  }
  // Programs run: block_subprocess with allow_exec, which lets processes be made and limits
  // exec to the list. Processes made but no other program run: the target alone in the list
  // (it may always run again), so that new processes are allowed and no program is.
  if (forks && out.exec.empty()) {
    if (grants.execs.empty()) {
      out.block_subprocess = false;
    } else {
      out.exec.insert(grants.execs.front());
    }
  }
  python_view(
      out,
      {target_watched, !unwatched.empty(), programs_run, dynamic_code, whole_environment, native},
      notes);
  out.notes.assign(notes.begin(), notes.end());
  return out;
}

Learned widen(const Learned& a, const Learned& b) {
  Learned out;
  out.block_network = a.block_network && b.block_network;
  out.allow_localhost = a.allow_localhost || b.allow_localhost;
  const auto join = [](const std::set<std::string>& x, const std::set<std::string>& y) {
    std::set<std::string> all = x;
    all.insert(y.begin(), y.end());
    return all;
  };
  out.connect = join(a.connect, b.connect);
  out.domains = join(a.domains, b.domains);
  out.bind = out.allow_localhost ? std::set<std::string>{} : join(a.bind, b.bind);
  out.block_subprocess = a.block_subprocess && b.block_subprocess;
  out.exec = join(a.exec, b.exec);
  out.fs_readonly = a.fs_readonly && b.fs_readonly;
  if (a.root && b.root && *a.root == *b.root) out.root = a.root;
  out.write = join(a.write, b.write);
  drop_covered(out.write);
  out.read = join(a.read, b.read);
  drop_covered(out.read);
  // A Python-only block: `a`'s unset one allows already (widening never turns a block on); `b`'s
  // unjudged one says nothing.
  const auto both = [](std::optional<bool> x, std::optional<bool> y) -> std::optional<bool> {
    if (!y) return x;
    if (!x) return std::nullopt;
    return *x && *y;
  };
  out.block_environment = both(a.block_environment, b.block_environment);
  out.keep_env = join(a.keep_env, b.keep_env);
  out.block_code_exec = both(a.block_code_exec, b.block_code_exec);
  out.block_native = both(a.block_native, b.block_native);
  out.kept = a.kept;
  for (const auto& line : b.kept) {
    if (std::find(out.kept.begin(), out.kept.end(), line) == out.kept.end())
      out.kept.push_back(line);
  }
  out.notes = a.notes;
  out.notes.insert(out.notes.end(), b.notes.begin(), b.notes.end());
  return out;
}

Learned from_policy(const Policy& policy, const std::set<std::string>& keys) {
  // A policy file keeps paths as written under its directory ("dir/."): compare them normalized.
  const auto normal = [](const std::string& path) {
    std::string out = fs::path(path).lexically_normal().string();
    while (out.size() > 1 && out.ends_with('/')) out.pop_back();
    return out;
  };
  const auto paths = [&](const std::vector<std::string>& list) {
    std::set<std::string> out;
    for (const auto& path : list) out.insert(normal(path));
    return out;
  };
  Learned out;
  out.block_network = policy.block_network;
  out.allow_localhost = policy.allow_localhost;
  out.connect.insert(policy.allow_connect.begin(), policy.allow_connect.end());
  out.domains.insert(policy.allow_domains.begin(), policy.allow_domains.end());
  out.bind.insert(policy.allow_bind.begin(), policy.allow_bind.end());
  out.block_subprocess = policy.block_subprocess;
  out.exec = paths(policy.allow_exec);
  out.fs_readonly = policy.fs_readonly;
  if (policy.fs_root) out.root = normal(*policy.fs_root);
  out.write = paths(policy.allow_write);
  out.read = paths(policy.allow_read);
  const auto as_is = [](const std::string& value) { return value; };
  const auto keep_flag = [&](std::string_view key, bool on) {
    if (on) out.kept.push_back(std::string(key) + " = true");
  };
  const auto keep_list = [&](std::string_view key, const std::vector<std::string>& values) {
    list_lines(out.kept, key, std::set<std::string>(values.begin(), values.end()), as_is);
  };
  std::vector<std::string> pins;
  for (const auto& pin : policy.resolve) pins.push_back(pin.name + ":" + pin.address);
  keep_list("resolve", pins);
  keep_list("deny_imports", policy.deny_imports);
  keep_flag("block_interpreter_mutation", policy.block_interpreter_mutation);
  // On, or written off by a learn: judged. Off by default: not judged, as without the key.
  const auto judged = [&](std::string_view key, bool on) -> std::optional<bool> {
    if (on || keys.contains(std::string(key))) return on;
    return std::nullopt;
  };
  out.block_environment = judged("block_environment", policy.block_environment);
  out.keep_env.insert(policy.keep_env.begin(), policy.keep_env.end());
  out.block_code_exec = judged("block_code_exec", policy.block_code_exec);
  out.block_native = judged("block_native", policy.block_native);
  return out;
}

std::vector<std::string> table_lines(const Learned& learned, const std::string& base,
                                     const std::string& home) {
  std::vector<std::string> out;
  const auto as_is = [](const std::string& value) { return value; };
  const auto path = [&](const std::string& value) { return shown(value, base, home); };
  const auto flag = [&](std::string_view key, bool on) {
    out.push_back(std::string(key) + (on ? " = true" : " = false"));
  };
  flag("block_network", learned.block_network);
  if (learned.block_network) {
    if (learned.allow_localhost) flag("allow_localhost", true);
    list_lines(out, "allow_domains", learned.domains, as_is);
    list_lines(out, "allow_connect", learned.connect, as_is);
    list_lines(out, "allow_bind", learned.bind, as_is);
  }
  flag("block_subprocess", learned.block_subprocess);
  if (learned.block_subprocess) list_lines(out, "allow_exec", learned.exec, path);
  flag("fs_readonly", learned.fs_readonly);
  if (learned.fs_readonly) {
    if (learned.root) out.push_back("fs_root = " + quoted(path(*learned.root)));
    list_lines(out, "allow_write", learned.write, path);
    if (learned.root) list_lines(out, "allow_read", learned.read, path);
  }
  if (learned.block_environment) {
    flag("block_environment", *learned.block_environment);
    if (*learned.block_environment) list_lines(out, "keep_env", learned.keep_env, as_is);
  }
  if (learned.block_code_exec) flag("block_code_exec", *learned.block_code_exec);
  if (learned.block_native) flag("block_native", *learned.block_native);
  out.insert(out.end(), learned.kept.begin(), learned.kept.end());
  return out;
}

std::vector<std::string> added_lines(const std::vector<std::string>& before,
                                     const std::vector<std::string>& after) {
  std::vector<std::string> out;
  std::string list;  // the key of the list a line belongs to, so that "  \"x\"," reads well
  for (const auto& line : after) {
    if (line.ends_with(" = [")) list = line.substr(0, line.size() - 4);
    if (line == "]") continue;
    if (std::find(before.begin(), before.end(), line) != before.end()) continue;
    if (line.starts_with("  ") && !list.empty()) {
      out.push_back(list + " += " + line.substr(2, line.size() - 3));
    } else if (!line.ends_with(" = [")) {
      out.push_back(line);
    }
  }
  return out;
}

std::vector<Unexpected> explain_refusals(const std::vector<Observed>& refused,
                                         const Learned& current, const Grants& grants,
                                         const std::function<bool(const std::string&)>& exists,
                                         const std::string& base, const std::string& home) {
  std::vector<Unexpected> out;
  const std::vector<std::string> before = table_lines(current, base, home);
  for (const auto& use : refused) {
    std::string what = use.capability + " " + use.operation;
    if (!use.address.empty()) {
      what += " " + (use.port >= 0 ? host_port(use.address, use.port) : use.address);
    }
    if (!use.path.empty()) what += " " + use.path;
    if (!use.path2.empty()) what += " -> " + use.path2;
    if (!use.name.empty() && use.address.empty() && use.path.empty()) what += " " + use.name;
    if (std::any_of(out.begin(), out.end(), [&](const Unexpected& u) { return u.what == what; })) {
      continue;
    }
    const Learned allowing = widen(current, synthesize({use}, grants, exists));
    out.push_back({what, added_lines(before, table_lines(allowing, base, home))});
  }
  return out;
}

}  // namespace hermetic::learn
