// FluidSynth renderer (render.h).
#include "echoelml/synth/render.h"

#include <fluidsynth.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

#include "echoelml/core/error.h"
#include "echoelml/synth/effects.h"

namespace echoelml::synth {
namespace {

// FluidSynth prints warnings (e.g. missing presets) to stderr; the generator reports
// problems itself, so its log goes quiet once per process.
void silence_fluid_log() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int level : {FLUID_PANIC, FLUID_ERR, FLUID_WARN, FLUID_INFO, FLUID_DBG}) fluid_set_log_function(level, nullptr, nullptr);
  });
}

constexpr int kFluidBlock = 64;  // FLUID_BUFSIZE: FluidSynth's control period

struct Event {
  std::size_t frame;
  int order;  // at one frame: program change (0), note-off (1), note-on (2)
  int channel, a, b;
};

}  // namespace

std::filesystem::path default_soundfont() {
  const std::filesystem::path preferred = "/usr/share/sounds/sf2/TimGM6mb.sf2";
  if (std::filesystem::exists(preferred)) return preferred;
  const std::filesystem::path dir = "/usr/share/sounds/sf2";
  std::vector<std::filesystem::path> found;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".sf2") found.push_back(e.path());
  if (found.empty()) throw IoError(dir, "no SoundFont (*.sf2) found; install timgm6mb-soundfont");
  std::sort(found.begin(), found.end());
  return found.front();
}

struct Renderer::Impl {
  fluid_settings_t* settings = nullptr;
  fluid_synth_t* synth = nullptr;
  double sr = 44100;
  std::size_t written = 0;  // samples rendered since creation (for block alignment)
  ~Impl() {
    if (synth != nullptr) delete_fluid_synth(synth);
    if (settings != nullptr) delete_fluid_settings(settings);
  }
};

Renderer::Renderer(const std::filesystem::path& soundfont, const RenderParams& p) : impl_(std::make_unique<Impl>()) {
  if (!(p.sr > 0)) throw ParameterError("Renderer: sr must be > 0, got " + std::to_string(p.sr));
  silence_fluid_log();
  impl_->sr = p.sr;
  impl_->settings = new_fluid_settings();
  if (impl_->settings == nullptr) throw IoError(soundfont, "FluidSynth: cannot create settings");
  fluid_settings_setnum(impl_->settings, "synth.sample-rate", p.sr);
  fluid_settings_setnum(impl_->settings, "synth.gain", p.gain);
  fluid_settings_setint(impl_->settings, "synth.reverb.active", 0);
  fluid_settings_setint(impl_->settings, "synth.chorus.active", 0);
  fluid_settings_setint(impl_->settings, "synth.cpu-cores", 1);
  impl_->synth = new_fluid_synth(impl_->settings);
  if (impl_->synth == nullptr) throw IoError(soundfont, "FluidSynth: cannot create synthesizer");
  if (!std::filesystem::exists(soundfont)) throw IoError(soundfont, "SoundFont not found");
  if (fluid_synth_sfload(impl_->synth, soundfont.c_str(), 1) == FLUID_FAILED)
    throw IoError(soundfont, "FluidSynth could not load the SoundFont");
}

Renderer::~Renderer() = default;


double Renderer::sr() const { return impl_->sr; }

io::AudioBuffer Renderer::render(const std::vector<midi::Note>& notes, double bpm, const std::array<int, 16>& pan,
                                 std::size_t frames) {
  if (!(bpm > 0)) throw ParameterError("Renderer::render: bpm must be > 0");
  fluid_synth_t* s = impl_->synth;
  fluid_synth_system_reset(s);
  // FluidSynth renders in 64-sample blocks and applies events at block starts; a render that
  // ended mid-block would shift the next one's grid. Finish the block so every render starts
  // aligned and a reused synth gives the same bytes as a fresh one.
  // The two extra blocks let FluidSynth's queued voice-off events of the reset take effect.
  {
    const std::size_t B = kFluidBlock;
    const std::size_t flush = 2 * B + (B - impl_->written % B) % B;
    std::vector<float> junk_l(flush), junk_r(flush);
    fluid_synth_write_float(s, static_cast<int>(flush), junk_l.data(), 0, 1, junk_r.data(), 0, 1);
    impl_->written += flush;
  }
  for (int c = 0; c < 16; ++c) {
    fluid_synth_cc(s, c, 7, 100);
    fluid_synth_cc(s, c, 10, std::clamp(pan[c], 0, 127));
  }
  const double spb = 60.0 / bpm * impl_->sr;  // samples per beat
  std::vector<Event> ev;
  ev.reserve(notes.size() * 3);
  std::array<int, 16> program;
  program.fill(-1);
  std::vector<const midi::Note*> sorted;
  for (const auto& n : notes) sorted.push_back(&n);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->start_beats < b->start_beats; });
  for (const auto* n : sorted) {
    const auto on = static_cast<std::size_t>(std::llround(n->start_beats * spb));
    const auto off = static_cast<std::size_t>(std::llround((n->start_beats + n->duration_beats) * spb));
    if (on >= frames) continue;
    if (n->channel != 9 && program[n->channel] != n->program) {
      program[n->channel] = n->program;
      ev.push_back({on, 0, n->channel, n->program, 0});
    }
    ev.push_back({on, 2, n->channel, n->pitch, n->velocity});
    ev.push_back({std::max(off, on + 1), 1, n->channel, n->pitch, 0});
  }
  std::stable_sort(ev.begin(), ev.end(), [](const Event& a, const Event& b) {
    return a.frame != b.frame ? a.frame < b.frame : a.order < b.order;
  });
  io::AudioBuffer out = make_buffer(2, frames, impl_->sr);
  float* l = out.data.data();
  float* r = l + frames;
  std::size_t pos = 0;
  auto render_to = [&](std::size_t end) {
    end = std::min(end, frames);
    while (pos < end) {
      const int len = static_cast<int>(std::min<std::size_t>(end - pos, 4096));
      fluid_synth_write_float(s, len, l + pos, 0, 1, r + pos, 0, 1);
      pos += static_cast<std::size_t>(len);
      impl_->written += static_cast<std::size_t>(len);
    }
  };
  for (const auto& e : ev) {
    if (e.frame >= frames) break;
    render_to(e.frame);
    if (e.order == 0) fluid_synth_program_change(s, e.channel, e.a);
    else if (e.order == 1) fluid_synth_noteoff(s, e.channel, e.a);
    else fluid_synth_noteon(s, e.channel, e.a, e.b);
  }
  render_to(frames);
  fluid_synth_all_sounds_off(s, -1);
  return out;
}

std::array<io::AudioBuffer, kNumStems> Renderer::render_stems(const Arrangement& a, std::size_t frames) {
  std::array<std::vector<midi::Note>, kNumStems> parts;
  for (const auto& n : a.notes) parts[static_cast<std::size_t>(stem_of(n))].push_back(n);
  std::array<io::AudioBuffer, kNumStems> out;
  for (std::size_t k = 0; k < parts.size(); ++k)
    out[k] = parts[k].empty() ? make_buffer(2, frames, impl_->sr) : render(parts[k], a.bpm, a.pan, frames);
  return out;
}

}  // namespace echoelml::synth
