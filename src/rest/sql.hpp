// Building SQL text with its parameters side by side. Every identifier goes through
// quote_ident() and every value becomes a $n parameter: no value is ever spliced into SQL text.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "db/connection.hpp"

namespace basalt::rest {

// "name" with embedded quotes doubled. Names come from the schema cache (or are Basalt's own
// aliases), so they never hold NUL bytes.
std::string quote_ident(std::string_view name);

class Sql {
 public:
  Sql& operator<<(std::string_view raw) {
    text_ += raw;
    return *this;
  }
  Sql& operator<<(char c) {
    text_ += c;
    return *this;
  }
  Sql& ident(std::string_view name) {
    text_ += quote_ident(name);
    return *this;
  }
  Sql& qualified(std::string_view schema, std::string_view name) {
    text_ += quote_ident(schema);
    text_ += '.';
    text_ += quote_ident(name);
    return *this;
  }
  // Appends $n bound to `value` (nullopt = NULL).
  Sql& param(db::Param value) {
    params_.push_back(std::move(value));
    text_ += '$';
    text_ += std::to_string(params_.size());
    return *this;
  }
  // Registers a parameter without writing a reference to it (for text that already has $n).
  void add_param(db::Param value) { params_.push_back(std::move(value)); }
  const std::string& text() const { return text_; }
  const std::vector<db::Param>& params() const { return params_; }
  std::vector<db::Param> take_params() { return std::move(params_); }

 private:
  std::string text_;
  std::vector<db::Param> params_;
};

}  // namespace basalt::rest
