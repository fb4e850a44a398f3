// Network: socket creation, connect, bind, addressed sends and name resolution.
//
// Decisions are made on the address the audit event carries. A level with block_network allows
// a destination when it is loopback (with allow_localhost), matches allow_domains, or is one of
// allow_connect's HOST:PORT pairs (its port only); every level must allow it. Connects usually
// carry an IP that was resolved from a name a moment before, so when an allowed name is resolved
// (socket.getaddrinfo / gethostbyname events) the guard resolves it too and remembers ("pins")
// which addresses belong to which name; a later connect to a pinned address is judged by that name.
// Cloud metadata endpoints are always denied. AF_UNIX is left alone (socketpair, asyncio's
// self-pipe, local IPC), as in the kernel layer.
//
// A refusal is also the PermissionError (EACCES) the kernel layer gives, and its message names
// the destination when the guard knows it and how to allow it (allow_hint.hpp). socket() carries
// no destination; the one this thread looked up last (socket.create_connection, urllib3 and
// asyncio resolve, then create the socket) is named when nothing network-related happened in
// between and its family fits.
#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "allow_hint.hpp"
#include "guards.hpp"
#include "host_rules.hpp"
#include "policy/address_class.hpp"
#include "py_ref.hpp"
#include "violation.hpp"

namespace hermetic::inproc::network_guard {
namespace {

using host_rules::Host;

// Process-lifetime references, set by init().
PyTypeObject* g_socket_type = nullptr;  // _socket.socket
PyObject* g_family_member = nullptr;    // its C-level `family` member descriptor

// Address text -> names it was resolved from. Only touched with the GIL held.
std::unordered_map<std::string, std::vector<std::string>>& pins() {
  static std::unordered_map<std::string, std::vector<std::string>> table;
  return table;
}

bool has_exceptions(const Policy& p) { return p.has_network_exceptions(); }

// Whether an --allow-connect entry (HOST:PORT) names `host`; any port when `port` is empty (a
// name lookup, which has none yet).
bool endpoint_matches(const std::string& entry, const Host& host, std::string_view port) {
  auto split = address_class::split_host_port(entry);
  if (!split) return false;
  if (!port.empty() && port != std::to_string(split.value().port)) return false;
  if (host_rules::classify(split.value().host).text == host.text) return true;
  if (!host.is_ip) return false;
  const auto it = pins().find(host.text);  // an address a lookup of the name answered
  return it != pins().end() &&
         std::find(it->second.begin(), it->second.end(), split.value().host) != it->second.end();
}

bool level_allows(const Level& level, const Host& host, std::string_view port = {}) {
  const Policy& p = level.policy;
  if (!p.block_network) return true;
  if (host.metadata) return false;
  if (p.allow_localhost && (host.loopback || host.wildcard)) return true;
  for (const auto& entry : p.allow_connect) {
    if (endpoint_matches(entry, host, port)) return true;
  }
  for (const auto& domain : p.allow_domains) {
    if (host_rules::domain_matches(host.text, domain)) return true;
  }
  if (host.is_ip) {
    auto it = pins().find(host.text);
    if (it != pins().end()) {
      for (const auto& name : it->second) {
        for (const auto& domain : p.allow_domains) {
          if (host_rules::domain_matches(name, domain)) return true;
        }
      }
    }
  }
  return false;
}

// The first level that refuses `host`, or nullptr when every level allows it.
const Level* refusing_level(const Snapshot& snapshot, const Host& host,
                            std::string_view port = {}) {
  const auto it =
      std::find_if(snapshot.levels.begin(), snapshot.levels.end(),
                   [&](const Level& level) { return !level_allows(level, host, port); });
  return it == snapshot.levels.end() ? nullptr : &*it;
}

// How `level` would let a connection to `host` through: allow_localhost for loopback, the name
// for a host name; nothing for an address (allow_domains takes names) or a metadata endpoint.
std::string hint_for(const Level& level, const Host& host) {
  if (host.metadata) return {};
  if (host.loopback || host.wildcard) return allow_hint::localhost(level.face);
  if (!host.is_ip && !host.text.empty()) return allow_hint::domain(level.face, host.text);
  return {};
}

// The destination this thread looked up last (getaddrinfo/gethostbyname), until its next
// connect, bind or send.
struct Lookup {
  std::string host;  // as given, before classification
  std::string port;  // empty when the lookup had none
};
thread_local std::optional<Lookup> t_last_lookup;

std::string port_text(PyObject* port) {
  if (port == nullptr || port == Py_None) return {};
  if (PyLong_Check(port)) {
    const long value = PyLong_AsLong(port);
    if (value == -1 && PyErr_Occurred()) {
      PyErr_Clear();
      return {};
    }
    return std::to_string(value);
  }
  return text_of(port);
}

std::string host_port(const std::string& host, const std::string& port) {
  if (port.empty()) return host;
  return host.find(':') == std::string::npos ? host + ":" + port : "[" + host + "]:" + port;
}

// Is `host` allowed only because some level lists its domain? Then learn its addresses.
bool allowed_by_domain(const Snapshot& snapshot, const Host& host) {
  return std::any_of(snapshot.levels.begin(), snapshot.levels.end(), [&](const Level& level) {
    return std::any_of(
               level.policy.allow_domains.begin(), level.policy.allow_domains.end(),
               [&](const std::string& d) { return host_rules::domain_matches(host.text, d); }) ||
           std::any_of(level.policy.allow_connect.begin(), level.policy.allow_connect.end(),
                       [&](const std::string& e) { return endpoint_matches(e, host, {}); });
  });
}

void pin(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = 0;
  Py_BEGIN_ALLOW_THREADS rc = getaddrinfo(name.c_str(), nullptr, &hints, &found);
  Py_END_ALLOW_THREADS if (rc != 0 || found == nullptr) return;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    char text[NI_MAXHOST] = {};
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) !=
        0) {
      continue;
    }
    auto& names = pins()[host_rules::classify(text).text];
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  freeaddrinfo(found);
}

// The socket's address family read through the C type's member, or -1.
long family_of(PyObject* sock) {
  // Looked up at the first socket event, when _socket is loaded anyway: importing it at module
  // init would cost every Python start of a CLI run a shared library it may never use.
  if (g_socket_type == nullptr && init() != 0) {
    PyErr_Clear();
    return -1;  // judged as "not AF_UNIX": fail closed
  }
  if (sock == nullptr || !PyObject_TypeCheck(sock, g_socket_type)) {
    return -1;
  }
  // The C-level member itself, not `family` looked up on the object (a subclass may override
  // it); the stable ABI reaches the descriptor's slot only through its __get__.
  PyRef value(PyObject_CallMethod(g_family_member, "__get__", "OO", sock,
                                  reinterpret_cast<PyObject*>(g_socket_type)));
  if (!value) {
    PyErr_Clear();
    return -1;
  }
  const long family = PyLong_AsLong(value.get());
  if (family == -1 && PyErr_Occurred()) PyErr_Clear();
  return family;
}

std::string family_name(long family) {
  switch (family) {
    case AF_INET:
      return "AF_INET";
    case AF_INET6:
      return "AF_INET6";
    case AF_PACKET:
      return "AF_PACKET";
    case AF_NETLINK:
      return "AF_NETLINK";
    default:
      return "family " + std::to_string(family);
  }
}

std::string port_of(PyObject* address) {
  PyObject* port = arg_at(address, 1);
  if (port == nullptr || !PyLong_Check(port)) return "?";
  const long value = PyLong_AsLong(port);
  if (value == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    return "?";
  }
  return std::to_string(value);
}

int deny(const Snapshot& snapshot, const std::string& call, const std::string& target,
         const std::string& hint = {}) {
  return inproc::deny(snapshot, os_denial("network", "network disabled: " + call + hint, target));
}

// connect / sendto / sendmsg on an existing socket.
int check_destination(const Snapshot& snapshot, const char* call, PyObject* args) {
  PyObject* sock = arg_at(args, 0);
  PyObject* address = arg_at(args, 1);
  if (address == nullptr || address == Py_None) return 0;  // a send on a connected socket
  const long family = family_of(sock);
  if (family == AF_UNIX) return 0;
  t_last_lookup.reset();
  if (family != AF_INET && family != AF_INET6) {
    return deny(snapshot, std::string(call) + "(" + family_name(family) + ")", "");
  }
  const Host host = host_rules::classify(text_of(arg_at(address, 0)));
  const Level* refusing = refusing_level(snapshot, host, port_of(address));
  if (refusing == nullptr) return 0;
  return deny(snapshot, std::string(call) + "(" + host_port(host.text, port_of(address)) + ")",
              host.text, hint_for(*refusing, host));
}

int check_bind(const Snapshot& snapshot, PyObject* args) {
  PyObject* sock = arg_at(args, 0);
  PyObject* address = arg_at(args, 1);
  const long family = family_of(sock);
  if (family == AF_UNIX) return 0;
  t_last_lookup.reset();
  std::string text = family_name(family);
  if (family == AF_INET || family == AF_INET6) {
    // Only literal loopback, and only where every level allows localhost: a wildcard bind
    // listens on every interface, a way in from outside.
    const Host host = host_rules::classify(text_of(arg_at(address, 0)));
    const std::string port = port_of(address);
    const auto refusing =
        std::find_if(snapshot.levels.begin(), snapshot.levels.end(), [&port](const Level& l) {
          const auto& binds = l.policy.allow_bind;
          return l.policy.block_network && !l.policy.allow_localhost &&
                 std::find(binds.begin(), binds.end(), port) == binds.end();
        });
    const bool literal_loopback = host.loopback && !host.wildcard;
    if (literal_loopback && refusing == snapshot.levels.end()) return 0;
    text = host_port(host.text.empty() ? std::string("*") : host.text, port);
    // A wildcard bind is never allowed; loopback is, with allow_localhost on every level.
    const std::string hint = literal_loopback ? allow_hint::localhost(refusing->face) : "";
    return deny(snapshot, "bind(" + text + ")", host.text, hint);
  }
  return deny(snapshot, "bind(" + text + ")", "");
}

// DNS: getaddrinfo(host, port, ...), gethostbyname(host), gethostbyaddr(ip),
// getnameinfo((ip, port)). A forward lookup of a numeric address sends nothing; the connect that
// follows is judged.
int check_lookup(const Snapshot& snapshot, PyObject* host_obj, PyObject* port_obj, bool forward) {
  if (host_obj == nullptr || host_obj == Py_None) return 0;  // passive / local lookups
  const std::string raw = text_of(host_obj);
  const std::string port = port_text(port_obj);
  if (forward) t_last_lookup = Lookup{raw, port};
  const Host host = host_rules::classify(raw);
  if (forward && host.is_ip && !host.metadata) return 0;
  if (const Level* refusing = refusing_level(snapshot, host)) {
    return deny(snapshot, "DNS(" + host_port(host.text, port) + ")", host.text,
                hint_for(*refusing, host));
  }
  if (!host.is_ip && allowed_by_domain(snapshot, host)) pin(host.text);
  return 0;
}

// What a refused socket() of `family` was for: " to HOST:PORT" and how to allow it, from this
// thread's last lookup when its address family fits; empty otherwise.
std::pair<std::string, std::string> destination_of_new(const Level& refusing, long family) {
  if (!t_last_lookup || (family != AF_INET && family != AF_INET6 && family != -1)) return {};
  const Host host = host_rules::classify(t_last_lookup->host);
  const bool v6_literal = host.is_ip && host.text.find(':') != std::string::npos;
  if (host.is_ip && family != -1 && (family == AF_INET6) != v6_literal) return {};
  if (host.text.empty()) return {};
  return {" to " + host_port(host.text, t_last_lookup->port), hint_for(refusing, host)};
}

int check_new(const Snapshot& snapshot, PyObject* args) {
  PyObject* family_obj = arg_at(args, 1);
  long family = -1;
  if (family_obj != nullptr && PyLong_Check(family_obj)) {
    family = PyLong_AsLong(family_obj);
    if (family == -1 && PyErr_Occurred()) PyErr_Clear();
  }
  if (family == AF_UNIX) return 0;
  // With an allow-list somewhere, sockets may be created and each destination is judged; when
  // some level allows nothing at all, no socket but AF_UNIX can ever be useful.
  const auto allows_nothing = std::find_if(
      snapshot.levels.begin(), snapshot.levels.end(),
      [](const Level& l) { return l.policy.block_network && !has_exceptions(l.policy); });
  // family -1: the socket wraps an existing fd, or _socket.socket() defaults to AF_INET after
  // this event; either way its real family is judged at connect/bind/send.
  const bool inet = family == AF_INET || family == AF_INET6 || family == -1;
  if (allows_nothing == snapshot.levels.end() && inet) return 0;
  const auto [destination, hint] = allows_nothing == snapshot.levels.end()
                                       ? std::pair<std::string, std::string>{}
                                       : destination_of_new(*allows_nothing, family);
  return deny(snapshot, "socket(" + family_name(family) + ")" + destination, "", hint);
}

}  // namespace

int init() {
  // Once per process. A subinterpreter has its own _socket.socket type; its sockets then fail
  // the type check, read as family -1 and are judged as "not AF_UNIX" (fail closed).
  if (g_socket_type != nullptr) return 0;
  PyRef module(PyImport_ImportModule("_socket"));
  if (!module) return -1;
  PyRef type(PyObject_GetAttrString(module.get(), "socket"));
  if (!type) return -1;
  if (!PyType_Check(type.get())) {
    PyErr_SetString(PyExc_TypeError, "_socket.socket is not a type");
    return -1;
  }
  // Looked up on the class, a member descriptor returns itself.
  PyRef member(PyObject_GetAttrString(type.get(), "family"));
  if (!member) return -1;
  if (PyObject_HasAttrString(reinterpret_cast<PyObject*>(Py_TYPE(member.get())), "__get__") == 0) {
    PyErr_SetString(PyExc_TypeError, "_socket.socket has no C-level family member");
    return -1;
  }
  g_family_member = member.release();
  g_socket_type = reinterpret_cast<PyTypeObject*>(type.release());
  return 0;
}

void forget_pins() { pins().clear(); }

int check(Event event, const Snapshot& snapshot, PyObject* args) {
  if (!snapshot.merged.block_network) return 0;
  switch (event) {
    case Event::kSocketNew:
      return check_new(snapshot, args);
    case Event::kSocketConnect:
      return check_destination(snapshot, "connect", args);
    case Event::kSocketSendto:
      return check_destination(snapshot, "sendto", args);
    case Event::kSocketSendmsg:
      return check_destination(snapshot, "sendmsg", args);
    case Event::kSocketBind:
      return check_bind(snapshot, args);
    case Event::kSocketGetaddrinfo:  // (host, port, family, type, protocol)
      return check_lookup(snapshot, arg_at(args, 0), arg_at(args, 1), /*forward=*/true);
    case Event::kSocketGethostbyname:
      return check_lookup(snapshot, arg_at(args, 0), nullptr, /*forward=*/true);
    case Event::kSocketGethostbyaddr:
      return check_lookup(snapshot, arg_at(args, 0), nullptr, /*forward=*/false);
    case Event::kSocketGetnameinfo:
      return check_lookup(snapshot, arg_at(arg_at(args, 0), 0), arg_at(arg_at(args, 0), 1),
                          /*forward=*/false);
    default:
      return 0;
  }
}

}  // namespace hermetic::inproc::network_guard
