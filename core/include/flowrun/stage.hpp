// The one interface every stage implements.
#pragma once

#include <flowrun/context.hpp>
#include <flowrun/spec.hpp>

#include <stdexcept>
#include <string>

namespace flowrun {

// Thrown by a stage to fail with a clear message. For bad input, name the
// file, the place in it and what was expected:
//   throw StageError("data.csv:12:3: expected a number, got 'abc'");
class StageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual const StageSpec& spec() const = 0;
  // Must be safe to call concurrently on one object (swept stages share it);
  // keep per-run state local.
  virtual void run(Context& ctx) const = 0;
};

}  // namespace flowrun
