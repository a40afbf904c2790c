// Test helpers for the config module: a throw-away project folder and a fake environment.
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace basalt::config::testing {

// A project folder under the system temp dir (made with mkdtemp), removed at the end.
class ProjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "basalt-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_;
    std::filesystem::create_directories(dir_ / "supabase");
  }

  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  // Makes the project a sub-folder with this name (to test project_id defaults).
  void use_subfolder(const std::string& name) {
    dir_ = root_ / name;
    std::filesystem::create_directories(dir_ / "supabase");
  }

  void write(const std::filesystem::path& relative, const std::string& text) {
    std::filesystem::create_directories((dir_ / relative).parent_path());
    std::ofstream out(dir_ / relative, std::ios::binary);
    out << text;
  }

  void write_config(const std::string& text) { write("supabase/config.toml", text); }

  EnvLookup env() const {
    return [vars = vars_](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }

  Result<Loaded> load_project() { return load(dir_, env()); }

  // Loads and expects success; on failure the test fails with the message.
  Loaded load_ok() {
    Result<Loaded> loaded = load_project();
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message);
    return loaded.ok() ? std::move(loaded).value() : Loaded{};
  }

  // Loads and expects an Error; returns its message.
  std::string load_error() {
    Result<Loaded> loaded = load_project();
    EXPECT_FALSE(loaded.ok());
    if (loaded.ok()) return {};
    EXPECT_EQ(loaded.error().code, "config");
    return loaded.error().message;
  }

  std::filesystem::path root_;
  std::filesystem::path dir_;
  std::map<std::string, std::string> vars_;
};

}  // namespace basalt::config::testing
