// Content hashes that key the feature store and find duplicate files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace echoelml::data {

/// FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3), over raw bytes.
/// Not cryptographic: collisions between unrelated files are ~2^-64 per pair, which is what
/// a cache key and duplicate finder need. `seed` continues a previous hash (streaming).
inline constexpr std::uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ull;
std::uint64_t fnv1a64(std::span<const std::byte> bytes, std::uint64_t seed = kFnvOffsetBasis);
/// fnv1a64 over a file's bytes, read in 1 MiB blocks. Throws IoError naming the file.
std::uint64_t hash_file(const std::filesystem::path& path);
/// 16 lower-case hex digits.
std::string hash_hex(std::uint64_t h);

}  // namespace echoelml::data
