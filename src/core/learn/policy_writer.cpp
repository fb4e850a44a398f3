#include "learn/policy_writer.hpp"

#include <algorithm>
#include <filesystem>

namespace hermetic::learn {
namespace {

std::string_view trimmed(std::string_view line) {
  const auto first = line.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = line.find_last_not_of(" \t\r\n");
  return line.substr(first, last - first + 1);
}

// A header line: `[a.b]` or `[[a.b]]`, whitespace around the dots ignored.
std::string header_key(std::string_view line) {
  const std::string_view t = trimmed(line);
  if (!t.starts_with('[')) return {};
  std::string out;
  for (const char c : t.substr(0, t.find('#'))) {
    if (c != ' ' && c != '\t') out += c;
  }
  return out;
}

bool is_header(std::string_view line) { return !header_key(line).empty(); }

// The lines of text, each as [begin, end) with its newline.
std::vector<std::pair<std::size_t, std::size_t>> lines_of(std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t newline = text.find('\n', at);
    const std::size_t end = newline == std::string_view::npos ? text.size() : newline + 1;
    out.emplace_back(at, end);
    at = end;
  }
  return out;
}

}  // namespace

Result<std::string> table_header(const std::string& file, std::string_view name) {
  const bool bare = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  });
  if (!bare) {
    return Error{"policy name '" + std::string(name) +
                     "' must be letters, digits, '_' or '-' (a bare TOML key)",
                 2};
  }
  const bool pyproject = std::filesystem::path(file).filename() == "pyproject.toml";
  return std::string(pyproject ? "[tool.hermetic.policies." : "[policies.") + std::string(name) +
         "]";
}

std::optional<Span> find_table(std::string_view text, std::string_view header) {
  const auto lines = lines_of(text);
  const std::string wanted = header_key(header);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto [begin, end] = lines[i];
    if (header_key(text.substr(begin, end - begin)) != wanted) continue;
    std::size_t last = i;  // the table's last line of content
    for (std::size_t j = i + 1; j < lines.size(); ++j) {
      const std::string_view line = text.substr(lines[j].first, lines[j].second - lines[j].first);
      if (is_header(line)) break;
      const std::string_view t = trimmed(line);
      if (!t.empty() && !t.starts_with('#')) last = j;
    }
    // Comments between values belong to the table (learn's allow_exec comment); comments after
    // its last value stay with what comes next.
    return Span{begin, lines[last].second};
  }
  return std::nullopt;
}

std::set<std::string> table_keys(std::string_view text, std::string_view header) {
  std::set<std::string> out;
  const auto span = find_table(text, header);
  if (!span) return out;
  for (const auto& [begin, end] : lines_of(text.substr(span->begin, span->end - span->begin))) {
    const std::string_view line = trimmed(text.substr(span->begin + begin, end - begin));
    const auto equals = line.find('=');
    if (line.starts_with('[') || line.starts_with('#') || equals == std::string_view::npos) {
      continue;
    }
    const std::string_view key = trimmed(line.substr(0, equals));
    if (!key.empty() && key.find_first_of(" \t\"'") == std::string_view::npos) {
      out.emplace(key);
    }
  }
  return out;
}

std::string replace_table(std::string_view text, std::string_view header,
                          const std::vector<std::string>& body) {
  std::string table = std::string(header) + "\n";
  for (const auto& line : body) table += line + "\n";
  if (const auto span = find_table(text, header)) {
    std::string out(text.substr(0, span->begin));
    out += table;
    out += text.substr(span->end);
    return out;
  }
  std::string out(text);
  if (!out.empty() && !out.ends_with('\n')) out += '\n';
  if (!out.empty()) out += '\n';
  return out + table;
}

}  // namespace hermetic::learn
