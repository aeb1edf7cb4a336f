#include <sndfile.h>

#include <stdexcept>

#include "support/shared_data.h"

namespace echoelml::test {

std::vector<std::vector<float>> golden_channels(const std::string& signal) {
  auto path = golden_wav(signal);
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (!f) throw std::runtime_error("cannot open " + path.string());
  std::vector<float> inter(static_cast<std::size_t>(info.frames * info.channels));
  sf_readf_float(f, inter.data(), info.frames);
  sf_close(f);
  std::vector<std::vector<float>> ch(static_cast<std::size_t>(info.channels),
                                     std::vector<float>(static_cast<std::size_t>(info.frames)));
  for (sf_count_t t = 0; t < info.frames; ++t)
    for (int c = 0; c < info.channels; ++c) ch[c][t] = inter[t * info.channels + c];
  return ch;
}

std::vector<float> golden_input(const std::string& signal, bool genre) {
  if (signal == "mix_sr22050_3s") {
    auto a = load_golden_array(signal, "y_mono_44k");
    return std::vector<float>(a.values.begin(), a.values.end());
  }
  auto ch = golden_channels(signal);
  std::vector<float> y(ch[0].size());
  for (std::size_t t = 0; t < y.size(); ++t) {
    float s = 0.0f;
    for (const auto& c : ch) s += c[t];
    // np.mean over channels in float32: sum, then divide by the count.
    y[t] = ch.size() == 1 ? s : s / static_cast<float>(ch.size());
  }
  if (genre && y.size() > 30 * 44100) y.resize(30 * 44100);
  return y;
}

}  // namespace echoelml::test
