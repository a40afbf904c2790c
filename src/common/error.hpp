// Expected failures travel as values: an Error carries the HTTP status and the wire fields
// every API shares in some form (code, message, details, hint). `internal` is for logs only
// and is never sent to a client.
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace basalt {

struct Error {
  int status = 500;
  std::string code;     // e.g. "PGRST100", a SQLSTATE like "42501", or "validation_failed"
  std::string message;  // public, one line
  std::string details;
  std::string hint;
  std::string internal;  // cause for the log (with the request id); never on the wire

  static Error make(int status, std::string code, std::string message) {
    Error e;
    e.status = status;
    e.code = std::move(code);
    e.message = std::move(message);
    return e;
  }
};

// Result<T>: either a T or an Error. Small on purpose; no exceptions cross coroutines.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT implicit
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT implicit

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT implicit
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace basalt
