// The run-time view a stage gets of its world: resolved params, input
// artifact paths, its output locations, logging, progress, metrics,
// cancellation and the external-tool runner. The engine implements it.
#pragma once

#include <flowrun/spec.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace flowrun {

namespace fs = std::filesystem;

enum class LogLevel { Debug, Info, Warn, Error };

// One run of an external program. The program is a bare name ("yosys") or
// a path; a site configuration may map the name to another path under
// tools.<name>. Arguments are passed as a vector, never through a shell.
struct ToolCall {
  std::string program;
  std::vector<std::string> args;
  fs::path cwd;                              // empty: the stage's work dir
  std::chrono::seconds timeout{600};
  std::string debian_package;                // named when the program is missing
  fs::path stdin_file;                       // empty: /dev/null
  fs::path stdout_file;                      // empty: only the stage log
};

struct ToolResult {
  int exit_code = -1;       // -1 when killed by a signal or timed out
  bool timed_out = false;
  int signal = 0;
  double seconds = 0;
  std::string output;       // stdout and stderr, interleaved as written
};

class Context {
 public:
  virtual ~Context() = default;

  // --- parameters (already validated against the spec) ---
  virtual const json& params() const = 0;
  template <class T>
  T param(const std::string& name) const { return params().at(name).get<T>(); }

  // --- inputs ---
  virtual bool has_input(const std::string& port) const = 0;
  // The artifact path connected to an input port; throws StageError if the
  // port is unconnected.
  virtual fs::path input(const std::string& port) const = 0;
  // All artifacts of a `many` port, in a stable order.
  virtual std::vector<fs::path> inputs(const std::string& port) const = 0;
  // For `many` ports: the instance names matching inputs(port), e.g.
  // "ga[eps_end=0.005]", and each instance's resolved params.
  virtual std::vector<std::string> input_sources(const std::string& port) const = 0;
  virtual std::vector<json> input_source_params(const std::string& port) const = 0;

  // --- content hashes (SHA-256, 64 lower-case hex digits) ---
  // The engine hashes every input once, for the cache key and the manifest;
  // stages that record provenance ("dataset_sha256": ...) take that hash
  // instead of reading the artifact again with a hasher of their own.
  // A file hashes as its bytes; a folder as its regular files' relative
  // names (sorted) and their contents, so a folder hashes the same wherever
  // it lives.
  // The hash of the artifact input(port) names; throws StageError if the
  // port is unconnected.
  virtual std::string input_sha256(const std::string& port) const = 0;
  // The same hash of any other file or folder a stage reads: a Path param
  // (already hashed for the cache key, so not read again), or one file
  // inside an input folder. Throws StageError when it cannot be read.
  virtual std::string sha256(const fs::path& path) const = 0;

  // --- outputs ---
  // Where the artifact of an output port must be written (inside a
  // temporary folder the engine renames into place when run() returns).
  virtual fs::path output(const std::string& port) const = 0;
  virtual fs::path output_dir() const = 0;
  // A scratch folder for intermediate files (kept in the run directory
  // for inspection, never trusted by the cache).
  virtual fs::path work_dir() const = 0;

  // --- reporting ---
  virtual void log(LogLevel level, std::string_view message) = 0;
  void info(std::string_view m) { log(LogLevel::Info, m); }
  void warn(std::string_view m) { log(LogLevel::Warn, m); }
  // fraction in [0,1] (or negative when unknown) plus a short status,
  // e.g. progress(0.4, "generation 400/1000, best 2048").
  virtual void progress(double fraction, std::string_view status) = 0;
  virtual void metric(const std::string& name, const json& value) = 0;

  // --- control ---
  virtual bool cancelled() const = 0;
  // Runs an external program, output captured into the stage log. Throws
  // StageError when the program cannot be found (naming the Debian package
  // and the site key tools.<program>); a non-zero exit is returned, not
  // thrown.
  virtual ToolResult run_tool(const ToolCall& call) = 0;
  // A value from the site configuration (null when absent), e.g.
  // site("cell_library").
  virtual json site(const std::string& key) const = 0;
  // Number of threads this stage may use (from -j and the stage's share).
  virtual int threads() const = 0;
};

}  // namespace flowrun
