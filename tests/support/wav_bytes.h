// Byte-level surgery on WAV files for bad-input tests (our own writer refuses NaN samples).
#pragma once

#include <cstddef>
#include <filesystem>
#include <vector>

namespace echoelml::test {

/// The whole file as bytes.
std::vector<char> read_bytes(const std::filesystem::path& path);

/// Writes `bytes` as the whole file (no atomicity needed in tests).
void write_bytes_to(const std::filesystem::path& path, const std::vector<char>& bytes);

/// Writes a quiet NaN over sample (frame, channel) of a float32 WAV held in `bytes` (found
/// through its "data" chunk). Throws std::runtime_error if there is no data chunk or the
/// sample lies outside it.
void poison_float_wav(std::vector<char>& bytes, std::size_t frame, std::size_t channel, std::size_t channels);

}  // namespace echoelml::test
