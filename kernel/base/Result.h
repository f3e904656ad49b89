// Result<T>: a value or a Linux errno. Syscall paths never throw; every
// failure travels up as an errno until the dispatcher hands -errno to the guest.
#pragma once

#include <cerrno>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <variant>

namespace lx {

struct Error {
  int code;  // a positive Linux errno value
};

inline Error err(int code) { return Error{code}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error e) : v_(std::in_place_index<1>, e) {}                   // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  int error() const { return std::get<1>(v_).code; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T release_value() { return std::move(std::get<0>(v_)); }
  T value_or(T fallback) const { return ok() ? std::get<0>(v_) : fallback; }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : code_(e.code) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return code_ == 0; }
  int error() const { return code_; }
  void release_value() {}

 private:
  int code_ = 0;
};

// Wraps a host call returning -1/errno into a Result.
template <typename T>
Result<T> host_result(T rc) {
  if (rc < 0) return Error{errno};
  return rc;
}

}  // namespace lx

// TRY(expr): evaluate a Result; on error return the error from the enclosing
// function, otherwise yield the value. (GNU statement expression, as SerenityOS.)
#define TRY(expr)                                                 \
  ({                                                              \
    auto&& _lx_try_result = (expr);                               \
    if (!_lx_try_result.ok()) return ::lx::Error{_lx_try_result.error()}; \
    _lx_try_result.release_value();                               \
  })
