// File hashing with OpenSSL's EVP digest interface.
#include "data/file_hash.hpp"

#include <flowrun/stage.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <vector>

namespace flowrun::cnn {
namespace {

using Md = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

Md new_md() {
  Md md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1)
    throw StageError("sha256: cannot initialise the OpenSSL digest");
  return md;
}

std::string finish(EVP_MD_CTX* md) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(md, digest, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

void update_file(EVP_MD_CTX* md, const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw StageError(file.string() + ": cannot open for hashing");
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(md, buf.data(), static_cast<std::size_t>(in.gcount()));
  }
}

}  // namespace

std::string sha256_hex(const std::filesystem::path& path) {
  Md md = new_md();
  if (std::filesystem::is_directory(path)) {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(path))
      if (e.is_regular_file()) files.push_back(std::filesystem::relative(e.path(), path).generic_string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      // name, NUL, content hash: unambiguous without length prefixes.
      const std::string h = f + '\0' + sha256_hex(path / f);
      EVP_DigestUpdate(md.get(), h.data(), h.size());
    }
  } else {
    update_file(md.get(), path);
  }
  return finish(md.get());
}

}  // namespace flowrun::cnn
