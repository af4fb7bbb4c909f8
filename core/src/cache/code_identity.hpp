// Which code a stage runs: the content hash of the shared library (plugin)
// that holds the stage's implementation. It is part of every cache key, so
// a rebuilt plugin whose code changed never reuses results of the old code,
// whether or not its author remembered to bump the stage's version.
#pragma once

#include <flowrun/stage.hpp>

#include <filesystem>
#include <string>

namespace flowrun {

struct CodeIdentity {
  std::filesystem::path file;  // the library (or program) holding the stage's code
  std::string sha256;          // of the file's bytes
};

// Found from the stage object's virtual table, which lives in the library
// that defines the stage; hashed once per file and process.
CodeIdentity stage_code_identity(const Stage& stage);

}  // namespace flowrun
