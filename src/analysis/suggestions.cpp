// Turning measured mix values into advice: comparison with a genre's typical mixes, and the
// app's own RuleBasedMixAnalyzer rules (app contract §6).
#include <cmath>

#include <fmt/format.h>

#include "echoelml/analysis/analyze.h"

namespace echoelml::analysis {
namespace {

// How far beyond the typical quartiles a value must lie before it is worth a suggestion: about
// the smallest change a listener notices for that value.
double tolerance(MixValue v) {
  switch (v) {
    case MixValue::LoudnessLufs: return 2.0;
    case MixValue::LoudnessRangeLu: return 3.0;
    case MixValue::TruePeakDbtp: return 1.0;
    case MixValue::DynamicRangeDb: return 2.0;
    case MixValue::StereoWidth: return 0.1;
    case MixValue::PeakDbfs: return 1.0;
    case MixValue::RmsDbfs: return 2.0;
    default: return 3.0;  // bands, dB
  }
}

// What to do when a value is above (first) or below (second) the genre's typical range.
struct Advice {
  const char* what;   // subject of the sentence
  const char* above;
  const char* below;
};

Advice advice(MixValue v) {
  switch (v) {
    case MixValue::BandSub:
      return {"The sub (20-60 Hz)", "cut below 60 Hz (high-pass every track that needs no sub, lower the sub bass)",
              "add weight below 60 Hz (sub bass or kick tail, low shelf around 50 Hz)"};
    case MixValue::BandBass:
      return {"The bass (60-250 Hz)", "cut 60-250 Hz (low shelf or wide bell on bass and kick)",
              "boost 60-250 Hz (bass and kick body)"};
    case MixValue::BandLowMid:
      return {"The low-mids (250-500 Hz)", "cut 250-500 Hz to clear the mud (guitars, pads, piano)",
              "add body around 250-500 Hz"};
    case MixValue::BandMid:
      return {"The mids (500 Hz-2 kHz)", "cut 500 Hz-2 kHz where it sounds boxy or honky",
              "bring up 500 Hz-2 kHz (vocals, leads) so the mix does not sound scooped"};
    case MixValue::BandHighMid:
      return {"The high-mids (2-6 kHz)", "cut 2-6 kHz to reduce harshness", "add presence at 2-6 kHz"};
    case MixValue::BandHigh:
      return {"The highs (6-20 kHz)", "cut above 6 kHz or de-ess (hats, cymbals, sibilance)",
              "add air with a high shelf above 6 kHz"};
    case MixValue::LoudnessLufs:
      return {"The integrated loudness", "lower the limiter input gain", "raise the level into the limiter"};
    case MixValue::LoudnessRangeLu:
      return {"The loudness range", "even out quiet and loud sections (automation, gentle bus compression)",
              "let sections differ more in level (automation, less limiting)"};
    case MixValue::TruePeakDbtp:
      return {"The true peak", "lower the limiter ceiling to -1 dBTP (true-peak limiting)", "the limiter ceiling could rise"};
    case MixValue::DynamicRangeDb:
      return {"The crest factor (peak to RMS)", "add gentle bus compression or limiting",
              "ease the compression and limiting: the mix is squashed"};
    case MixValue::StereoWidth:
      return {"The stereo width", "narrow it (mono the low end, check mono compatibility)",
              "widen it (pan supporting parts, stereo reverb, mid/side EQ on pads)"};
    case MixValue::PeakDbfs:
      return {"The peak level", "lower the master level", "raise the master level"};
    case MixValue::RmsDbfs:
      return {"The RMS level", "lower the overall level", "raise the overall level"};
  }
  return {"", "", ""};
}

}  // namespace

std::vector<MixComparison> compare_mix(const features::MixFeatures& m, const GenreMixProfile* profile) {
  const auto values = mix_values(m);
  std::vector<MixComparison> out;
  for (MixValue v : all_mix_values()) {
    MixComparison c;
    c.value = v;
    c.measured = values[static_cast<std::size_t>(v)];
    if (profile != nullptr) {
      const ValueStats& s = profile->values[static_cast<std::size_t>(v)];
      c.typical = s;
      c.delta = c.measured - s.median;
      const double tol = tolerance(v);
      c.outside = c.measured > s.p75 + tol || c.measured < s.p25 - tol;
    }
    out.push_back(c);
  }
  return out;
}

std::vector<Suggestion> profile_suggestions(const std::vector<MixComparison>& comps, MusicGenre genre) {
  std::vector<Suggestion> out;
  for (const MixComparison& c : comps) {
    // Peak and RMS are covered by true peak and loudness; one piece of advice per problem.
    if (!c.outside || !c.typical || c.value == MixValue::PeakDbfs || c.value == MixValue::RmsDbfs) continue;
    const Advice a = advice(c.value);
    const bool above = c.delta > 0;
    const std::string unit(mix_value_unit(c.value));
    const std::string amount = unit.empty() ? fmt::format("{:.2f}", std::abs(c.delta))
                                            : fmt::format("{:.1f} {}", std::abs(c.delta), unit == "LUFS" ? "LU" : unit == "dBTP" || unit == "dBFS" ? "dB" : unit);
    out.push_back({"genre-profile", fmt::format("{} is {} {} typical {} mixes: {}", a.what, amount,
                                                above ? "above" : "below", raw_value(genre), above ? a.above : a.below)});
  }
  return out;
}

std::vector<Suggestion> app_suggestions(double peak_level, double rms_level) {
  std::vector<Suggestion> out;
  if (rms_level < 0.3) out.push_back({"app", "Increase overall level"});
  if (peak_level > 0.95) out.push_back({"app", "Reduce peaks to avoid clipping"});
  return out;
}

}  // namespace echoelml::analysis
