// Stage specs as JSON and as help text (`flowrun describe`, `plugins`).
#pragma once

#include <flowrun/spec.hpp>

#include <ostream>

namespace flowrun {

json spec_to_json(const StageSpec& spec);
void print_spec(std::ostream& out, const StageSpec& spec);

}  // namespace flowrun
