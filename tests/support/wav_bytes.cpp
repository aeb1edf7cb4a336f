#include "support/wav_bytes.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>

namespace echoelml::test {

std::vector<char> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes_to(const std::filesystem::path& path, const std::vector<char>& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void poison_float_wav(std::vector<char>& bytes, std::size_t frame, std::size_t channel, std::size_t channels) {
  std::size_t pos = 12;  // after "RIFF", the size and "WAVE"
  while (pos + 8 <= bytes.size() && std::string(&bytes[pos], 4) != "data") {
    std::uint32_t len;
    std::memcpy(&len, &bytes[pos + 4], 4);
    pos += 8 + len + (len & 1);
  }
  if (pos + 8 > bytes.size()) throw std::runtime_error("poison_float_wav: no data chunk");
  const std::size_t at = pos + 8 + (frame * channels + channel) * sizeof(float);
  if (at + sizeof(float) > bytes.size()) throw std::runtime_error("poison_float_wav: sample outside the data chunk");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(&bytes[at], &nan, sizeof(float));
}

}  // namespace echoelml::test
