// Context::input_sha256 and Context::sha256 give stages the engine's own
// content hashes: the input's hash equals the one in the stage manifest
// (and in the producer's outputs), a folder hashes by names and contents,
// a Path param's hash is the one in the cache key; the same in process and
// in a `flowrun run-stage` child (--isolate).
#include "cli_helpers.hpp"
#include "hashing.hpp"

#include <gtest/gtest.h>

using namespace flowrun;
using namespace flowrun::testing;

namespace {

class ContextHash : public TempDirTest {
 protected:
  std::string write_flow() {
    write_text(dir_ / "data.bin", "abc");
    const std::string f = (dir_ / "flow.yaml").string();
    write_text(f, "plugins: [" + plugin("demo") + "]\nstages:\n"
                  "  files:\n    uses: demo.typed\n    with: {label: x, count: 3}\n"
                  "  h:\n    uses: demo.hash\n    with: {data: data.bin, inner: 2.txt}\n"
                  "    inputs: {any: files.files}\n");
    return f;
  }

  void check(const fs::path& run) {
    const json hashes = read_json(run / "h" / "out" / "hashes.json");
    const json manifest = read_json(run / "h" / "manifest.json");
    const json producer = read_json(run / "files" / "manifest.json");
    // The input: the hash recorded for it, and the producer's output hash.
    EXPECT_EQ(hashes["input"], manifest["inputs"]["any"][0]["sha256"]);
    EXPECT_EQ(hashes["input"], producer["outputs"]["files"]["sha256"]);
    EXPECT_EQ(hashes["input"], sha256_path(run / "files" / "out" / "files"));
    // A Path param: its bytes ("abc", the FIPS 180-2 test vector), as in the key.
    EXPECT_EQ(hashes["data"], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hashes["data"], manifest["key_material"]["params"]["data"]["sha256"]);
    // One file inside the folder input.
    EXPECT_EQ(hashes["inner"], sha256_hex("x\n"));
  }
};

TEST_F(ContextHash, InProcessHashesAreTheEnginesOwn) {
  auto r = run(write_flow());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  check(dir_ / "run");
}

TEST_F(ContextHash, IsolatedStageSeesTheSameHashes) {
  auto r = run(write_flow(), {"--isolate"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  check(dir_ / "run");
}

TEST_F(ContextHash, FolderHashDependsOnNamesAndContentsNotLocation) {
  write_text(dir_ / "a" / "x" / "1.txt", "one");
  write_text(dir_ / "a" / "2.txt", "two");
  write_text(dir_ / "elsewhere" / "b" / "x" / "1.txt", "one");
  write_text(dir_ / "elsewhere" / "b" / "2.txt", "two");
  EXPECT_EQ(sha256_path(dir_ / "a"), sha256_path(dir_ / "elsewhere" / "b"));
  write_text(dir_ / "elsewhere" / "b" / "3.txt", "two");
  fs::remove(dir_ / "elsewhere" / "b" / "2.txt");  // same content, other name
  EXPECT_NE(sha256_path(dir_ / "a"), sha256_path(dir_ / "elsewhere" / "b"));
}

TEST_F(ContextHash, UnreadablePathFailsTheStageNamingIt) {
  const std::string f = (dir_ / "flow.yaml").string();
  write_text(dir_ / "in.txt", "x");
  write_text(f, "plugins: [" + plugin("demo") + "]\nstages:\n"
                "  src:\n    uses: demo.source\n    with: {text: a, lines: 1}\n"
                "  h:\n    uses: demo.hash\n    with: {inner: no-such-file}\n"
                "    inputs: {any: src.text}\n");
  auto r = run(f);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const std::string error = report()["stages"]["h"]["error"];
  EXPECT_NE(error.find("text.txt/no-such-file: cannot hash: no such file or folder"), std::string::npos) << error;
}

}  // namespace
