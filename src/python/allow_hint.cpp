#include "allow_hint.hpp"

#include <sys/stat.h>

#include <algorithm>

namespace hermetic::inproc::allow_hint {
namespace {

// A word a shell reads back unchanged: as is when it has nothing special, else in single
// quotes. Empty when it holds a control character: the message must stay one line.
std::string shell_word(std::string_view text) {
  const bool control = std::any_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (text.empty() || control) return {};
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_./-+:@,=%").find(c) != std::string_view::npos ||
           static_cast<unsigned char>(c) >= 0x80;
  });
  if (plain) return std::string(text);
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A Python string literal for a name (letters, digits, dots and dashes in practice).
std::string python_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return {};
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string with(std::string_view how) {
  return how.empty() ? std::string() : " (allow with " + std::string(how) + ")";
}

std::string flag(std::string_view name, std::string_view value) {
  const std::string word = shell_word(value);
  return word.empty() ? std::string() : with(std::string(name) + " " + word);
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::string localhost(Face face) {
  return with(face == Face::kCli ? "--allow-localhost" : "allow_localhost=True");
}

std::string domain(Face face, std::string_view name) {
  if (face == Face::kCli) return flag("--allow-domain", name);
  const std::string literal = python_string(name);
  return literal.empty() ? std::string() : with("allow_domains=[" + literal + "]");
}

std::string write(Face face, const std::string& real_path) {
  if (face != Face::kCli || real_path.empty() || real_path.front() != '/') return {};
  std::string dir = real_path;
  while (dir.size() > 1 && !is_directory(dir)) {
    const auto slash = dir.rfind('/');
    dir.resize(slash == 0 ? 1 : slash);
  }
  return flag("--allow-write", dir);
}

std::string read(Face face, std::string_view real_path) {
  return face == Face::kCli ? flag("--allow-read", real_path) : std::string();
}

std::string exec(Face face, std::string_view program) {
  if (face == Face::kCli) return flag("--allow-exec", program);
  const std::string literal = python_string(program);
  return literal.empty() ? std::string() : with("allow_exec=[" + literal + "]");
}

}  // namespace hermetic::inproc::allow_hint
