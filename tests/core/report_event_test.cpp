// The --report line encoder: every line is one JSON object that parses, carries what the event
// said, stays within one atomic write, and gives non-UTF-8 path bytes back (surrogateescape).
#include "hermetic/report_event.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace {

using hermetic::report::Event;
using hermetic::report::Frame;
using hermetic::report::Line;

nlohmann::json encoded(const Event& event, std::string* text = nullptr) {
  Line line;
  const timespec when{.tv_sec = 1796000000, .tv_nsec = 123456789};
  hermetic::report::encode(event, when, line);
  const std::string out(line.view());
  if (text != nullptr) *text = out;
  EXPECT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1);
  EXPECT_LE(out.size(), hermetic::report::kMaxLine);
  return nlohmann::json::parse(out);
}

TEST(ReportEvent, CarriesEveryField) {
  const Frame frame{.file = "/src/app.py", .line = 12, .function = "main"};
  const auto j = encoded([&] {
    Event e;
    e.capability = "network";
    e.operation = "connect";
    e.layer = "supervisor";
    e.pid = 42;
    e.program = "/usr/bin/curl";
    e.address = "127.0.0.1";
    e.port = 8765;
    e.flag = "--allow-connect";
    e.frame = &frame;
    return e;
  }());
  EXPECT_EQ(j["v"], hermetic::report::kFormatVersion);
  EXPECT_EQ(j["time"], "2026-11-30T00:53:20.123456Z");
  EXPECT_EQ(j["pid"], 42);
  EXPECT_EQ(j["program"], "/usr/bin/curl");
  EXPECT_EQ(j["capability"], "network");
  EXPECT_EQ(j["operation"], "connect");
  EXPECT_EQ(j["decision"], "refused");
  EXPECT_EQ(j["layer"], "supervisor");
  EXPECT_EQ(j["flag"], "--allow-connect");
  EXPECT_EQ(j["detail"], (nlohmann::json{{"address", "127.0.0.1"}, {"port", 8765}}));
  EXPECT_EQ(j["frame"],
            (nlohmann::json{{"file", "/src/app.py"}, {"line", 12}, {"function", "main"}}));
  EXPECT_FALSE(j.contains("truncated"));
}

TEST(ReportEvent, LeavesOutWhatAnEventDoesNotUse) {
  const auto j = encoded([&] {
    Event e;
    e.capability = "fs_write";
    e.operation = "rename";
    e.decision = "observed";
    e.layer = "supervisor";
    e.pid = 7;
    e.path = "/a";
    e.path2 = "/b";
    return e;
  }());
  EXPECT_EQ(j["detail"], (nlohmann::json{{"path", "/a"}, {"path2", "/b"}}));
  EXPECT_FALSE(j.contains("program"));
  EXPECT_FALSE(j.contains("flag"));
  EXPECT_FALSE(j.contains("frame"));
  EXPECT_EQ(encoded([&] {
              Event e;
              e.capability = "network";
              return e;
            }())["detail"],
            nlohmann::json::object());
}

TEST(ReportEvent, EscapesQuotesControlsAndKeepsUtf8) {
  const std::string path = "/tmp/\"q\"\\\n\t\x01\x7f/caf\xc3\xa9/\xf0\x9f\x90\x8d";
  const auto j = encoded([&] {
    Event e;
    e.capability = "fs_write";
    e.path = path;
    return e;
  }());
  EXPECT_EQ(j["detail"]["path"].get<std::string>(), path);
}

TEST(ReportEvent, NonUtf8BytesBecomeReplacementCharacters) {
  // \xff, an overlong '/', a surrogate's encoding, a sequence cut short: each byte replaced.
  const std::string path = "/x\xff/\xc0\xaf/\xed\xa0\x80/\xe2\x82";
  const auto j = encoded([&] {
    Event e;
    e.capability = "fs_write";
    e.path = path;
    return e;
  }());
  const std::string r = "\xef\xbf\xbd";
  EXPECT_EQ(j["detail"]["path"].get<std::string>(),
            "/x" + r + "/" + r + r + "/" + r + r + r + "/" + r + r);
  EXPECT_EQ(j["lossy"], true);
}

TEST(ReportEvent, OverlongValuesAreCutAndSaidToBe) {
  const std::string huge(100000, 'a');
  const std::string bad(100000, '\xff');  // six bytes each once escaped
  const Frame frame{.file = bad, .line = 1, .function = huge};
  const auto j = encoded([&] {
    Event e;
    e.capability = std::string_view(huge);
    e.operation = huge;
    e.decision = huge;
    e.layer = huge;
    e.pid = -1;
    e.program = bad;
    e.path = huge;
    e.path2 = bad;
    e.address = huge;
    e.port = 65535;
    e.name = bad;
    e.flag = huge;
    e.frame = &frame;
    return e;
  }());
  EXPECT_EQ(j["truncated"], true);
  EXPECT_EQ(j["detail"]["port"], 65535);
  EXPECT_LE(j["detail"]["path"].get<std::string>().size(), Line::kStringBudget);
}

}  // namespace
