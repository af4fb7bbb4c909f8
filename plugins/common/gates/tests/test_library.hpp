// The flowrun cell library shared by the gates tests.
#pragma once

#include <flowrun_liberty/liberty.hpp>

namespace flowrun::gates::test {

inline const liberty::Library& cells() {
  static const liberty::Library lib = liberty::read_liberty(FLOWRUN_CELLS_DIR "/flowrun_cells.lib");
  return lib;
}

}  // namespace flowrun::gates::test
