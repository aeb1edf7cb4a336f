#include "echoelml/data/hash.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "echoelml/core/error.h"

namespace echoelml::data {

std::uint64_t fnv1a64(std::span<const std::byte> bytes, std::uint64_t seed) {
  constexpr std::uint64_t kPrime = 0x100000001b3ull;
  std::uint64_t h = seed;
  for (std::byte b : bytes) {
    h ^= static_cast<std::uint8_t>(b);
    h *= kPrime;
  }
  return h;
}

std::uint64_t hash_file(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw IoError(path, std::string("cannot open for hashing: ") + std::strerror(errno));
  std::vector<std::byte> buf(1u << 20);
  std::uint64_t h = kFnvOffsetBasis;
  for (;;) {
    std::size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
    if (n > 0) h = fnv1a64(std::span<const std::byte>(buf.data(), n), h);
    if (n < buf.size()) {
      if (std::ferror(f.get())) throw IoError(path, "read error while hashing");
      break;
    }
  }
  return h;
}

std::string hash_hex(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace echoelml::data
