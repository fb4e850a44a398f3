// Every face knows every field of the table the moment it is described: the C++ builder by key,
// the JSON form, the union and the command line. (The Python API and the docs are checked in
// tests/python/test_policy_fields.py.)
#include "hermetic/policy_fields.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "cli_options.hpp"
#include "hermetic/launch.hpp"
#include "hermetic/policy.hpp"

namespace hermetic {
namespace {

// A value each field accepts: a name valid as a domain, a module and a variable alike.
std::string sample(const PolicyField& field) {
  switch (field.type) {
    case FieldType::names:  // a word, or a destination where the field takes HOST:PORT
      if (field.metavar == "PORT") return "8000";
      return field.metavar == "HOST:PORT" ? "sample.test:443" : "sample";
    case FieldType::paths:
    case FieldType::path:
      return "/tmp";
    case FieldType::pins:
      return "sample.test:127.0.0.1";
    case FieldType::flag:
      break;
  }
  return "";
}

// The field set (and what it needs to mean something: its block, a read root for allow_read).
PolicyBuilder with_field(const PolicyField& field) {
  PolicyBuilder b;
  if (field.type == FieldType::flag) {
    b.set_flag(field.key);
  } else {
    b.add_value(field.key, sample(field));
  }
  if (!field.exception_to.empty()) b.set_flag(field.exception_to);
  if (field.key == "allow_read") b.add_value("fs_root", "/");
  return b;
}

bool json_has(const Policy& policy, std::string_view key) {
  const auto j = nlohmann::json::parse(to_json(policy));
  const auto& value = j.at(std::string(key));
  return value.is_boolean() ? value.get<bool>() : !value.is_null() && !value.empty();
}

TEST(PolicyFields, KeysAndOptionsAreUnique) {
  std::set<std::string_view> keys;
  std::set<std::string_view> options;
  for (const auto& field : policy_fields()) {
    EXPECT_TRUE(keys.insert(field.key).second) << field.key;
    EXPECT_FALSE(field.help.empty()) << field.key;
    EXPECT_FALSE(field.options.empty()) << field.key;
    for (auto option : field.options) {
      // Only a path may share its switch's option (--fs-readonly[=ROOT]).
      if (!options.insert(option).second) {
        EXPECT_EQ(field.type, FieldType::path) << option;
      }
    }
    if (!field.exception_to.empty()) {
      ASSERT_NE(find_policy_field(field.exception_to), nullptr) << field.key;
      EXPECT_EQ(find_policy_field(field.exception_to)->role, FieldRole::block) << field.key;
    }
    EXPECT_EQ(find_policy_field(field.key), &field);
  }
  EXPECT_EQ(find_policy_field("no_such_field"), nullptr);
}

TEST(PolicyFields, TheBuilderAndTheJsonFormKnowEveryField) {
  for (const auto& field : policy_fields()) {
    auto built = with_field(field).build();
    ASSERT_TRUE(built.ok()) << field.key << ": " << built.error().message;
    EXPECT_TRUE(json_has(built.value(), field.key)) << field.key;
    EXPECT_FALSE(json_has(Policy{}, field.key)) << field.key;
    auto again = policy_from_json(to_json(built.value()));
    ASSERT_TRUE(again.ok()) << field.key;
    EXPECT_EQ(again.value(), built.value()) << field.key;
  }
}

TEST(PolicyFields, UnionKeepsEveryFieldOfEitherSide) {
  for (const auto& field : policy_fields()) {
    const Policy set = with_field(field).build().value();
    EXPECT_TRUE(json_has(Policy{}.united_with(set), field.key)) << field.key;
    EXPECT_TRUE(json_has(set.united_with(Policy{}), field.key)) << field.key;
  }
}

TEST(PolicyFields, AnExceptionWithoutItsBlockIsRefused) {
  for (const auto& field : policy_fields()) {
    if (field.role != FieldRole::exception) continue;
    PolicyBuilder b;
    if (field.type == FieldType::flag) {
      b.set_flag(field.key);
    } else {
      b.add_value(field.key, sample(field));
    }
    auto built = b.build();
    ASSERT_FALSE(built.ok()) << field.key;
    EXPECT_NE(built.error().message.find("--" + std::string(field.options.front())),
              std::string::npos)
        << built.error().message;
  }
}

TEST(PolicyFields, TwoReadRootsDoNotUnite) {
  EXPECT_FALSE(unite_roots("/a", "/b").ok());
  EXPECT_EQ(unite_roots("/a", std::nullopt).value(), "/a");
  EXPECT_EQ(unite_roots(std::nullopt, "/b").value(), "/b");
  EXPECT_FALSE(PolicyBuilder()
                   .fs_root("/a")
                   .add(PolicyBuilder().fs_root("/b").build().value())
                   .build()
                   .ok());
}

TEST(PolicyFields, TheCommandLineKnowsEveryOptionOfEveryField) {
  for (const auto& field : policy_fields()) {
    for (auto option : field.options) {
      std::vector<std::string> args;
      const std::string flag = "--" + std::string(option);
      args.push_back(field.type == FieldType::flag   ? flag
                     : field.type == FieldType::path ? flag + "=" + sample(field)
                                                     : flag);
      if (field.type != FieldType::flag && field.type != FieldType::path) {
        args.push_back(sample(field));
      }
      if (!field.exception_to.empty()) {
        args.push_back("--" + std::string(find_policy_field(field.exception_to)->options.front()));
      }
      if (field.key == "allow_read") args.emplace_back("--fs-readonly=/");
      args.insert(args.end(), {"--", "true"});
      auto action = cli::parse(args);
      ASSERT_TRUE(action.ok()) << flag << ": " << action.error().message;
      const auto* run = std::get_if<cli::RunTarget>(&action.value());
      ASSERT_NE(run, nullptr) << flag;
      EXPECT_TRUE(json_has(run->policy, field.key)) << flag;
    }
  }
}

TEST(PolicyFields, ReportIsAnOutputNotAPolicyField) {
  auto action = cli::parse({"--no-network", "--report", "out.jsonl", "--", "true"});
  ASSERT_TRUE(action.ok()) << action.error().message;
  const auto& run = std::get<cli::RunTarget>(action.value());
  EXPECT_EQ(run.report_file, "out.jsonl");
  EXPECT_EQ(find_policy_field("report"), nullptr);
  auto empty = cli::parse({"--report=", "--", "true"});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().exit_code, exit_code::kUsage);
}

TEST(PolicyFields, HelpListsEveryOption) {
  auto action = cli::parse({"--help"});
  ASSERT_TRUE(action.ok());
  const auto& text = std::get<cli::ShowText>(action.value()).text;
  for (const auto& field : policy_fields()) {
    for (auto option : field.options) {
      EXPECT_NE(text.find("--" + std::string(option)), std::string::npos) << option;
    }
    if (field.type != FieldType::path) {
      EXPECT_NE(text.find(field.help.substr(0, 30)), std::string::npos) << field.key;
    }
  }
}

}  // namespace
}  // namespace hermetic
