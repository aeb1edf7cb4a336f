// generate_dataset: plans every item from (seed, kind, genre, index), renders the missing
// ones in parallel (a fresh FluidSynth per item, for determinism) and writes the label CSVs (synth.h).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include "echoelml/core/atomic_file.h"
#include "echoelml/core/error.h"
#include "echoelml/core/parallel.h"
#include "echoelml/core/progress.h"
#include "echoelml/io/audio.h"
#include "echoelml/midi/midi.h"
#include "echoelml/synth/render.h"
#include "echoelml/synth/synth.h"

namespace echoelml::synth {
namespace {

namespace fs = std::filesystem;

enum Kind { kGenreSong = 0, kTechniqueSong = 1, kPattern = 2, kMix = 3, kNumKinds = 4 };

struct Item {
  Kind kind;
  MusicGenre genre;
  int index;
  SongPlan plan;
  int bars = 0;                       // patterns
  MixFlaw flaw = MixFlaw::Clean;      // mixes
  std::vector<fs::path> files;        // outputs, relative to out_dir
};

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::string numbered(MusicGenre g, int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "_%04d", i);
  return std::string(case_name(g)) + buf;
}

std::string join_techniques(const std::vector<ProductionTechnique>& ts) {
  std::string s;
  for (auto t : ts) {
    if (!s.empty()) s += ';';
    s += raw_value(t);
  }
  return s;
}

// RFC 4180 quoting when needed (raw values hold '&' and spaces, never commas today).
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string fmt_num(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

Item plan_item(const SynthParams& p, double clip, Kind kind, MusicGenre g, int index) {
  auto rng = item_rng(p.seed, kind, static_cast<int>(g), index);
  Item it{kind, g, index, {}, 0, MixFlaw::Clean, {}};
  const std::string base = numbered(g, index);
  const std::string gname(case_name(g));
  switch (kind) {
    case kGenreSong:
      it.plan = plan_song(g, clip, rng, 0.25);
      it.files = {fs::path("genres") / gname / (base + ".wav")};
      break;
    case kTechniqueSong:
      it.plan = plan_song(g, clip, rng, p.technique_rate);
      it.files = {fs::path("techniques") / "audio" / (base + ".wav")};
      break;
    case kPattern: {
      std::vector<ProductionTechnique> note_level;
      for (auto t : all_techniques()) if (is_note_level(t)) note_level.push_back(t);
      it.plan = plan_song(g, clip, rng, 0.2, note_level);
      it.bars = (rng() & 1) ? 8 : 4;
      it.files = {fs::path("patterns") / gname / (base + ".mid")};
      break;
    }
    case kMix:
      it.plan = plan_song(g, clip, rng, 0.2);
      // Flaws cycle over items so every flaw gets the same share.
      it.flaw = static_cast<MixFlaw>(1 + (index * kNumGenres + static_cast<int>(g)) % (kNumFlaws - 1));
      it.files = {fs::path("mixes") / ("mix_" + base + "_clean.wav"),
                  fs::path("mixes") / ("mix_" + base + "_" + std::string(flaw_name(it.flaw)) + ".wav")};
      break;
    default:
      break;
  }
  return it;
}


void produce(const Item& it, const fs::path& out, const fs::path& soundfont) {
  if (it.kind == kPattern) {
    std::mt19937_64 rng(it.plan.seed);
    ArrangeParams ap;
    ap.genre = it.genre;
    ap.bpm = it.plan.bpm;
    ap.key = it.plan.key;
    ap.complexity = it.plan.complexity;
    ap.beats = 4.0 * it.bars;
    ap.techniques = it.plan.techniques;
    const Arrangement a = arrange(ap, rng);
    midi::write_midi(out / it.files[0], midi::make_midi(a.notes, a.bpm));
    return;
  }
  // A fresh synth per item: a reused FluidSynth carries voice state from earlier items, which
  // would make the bytes depend on the thread schedule (render.h).
  Renderer renderer(soundfont);
  Song song = make_song(it.plan, renderer);
  if (it.kind == kMix) {
    io::AudioBuffer flawed = song.mix;
    apply_flaw(flawed, it.flaw);
    io::write_wav(out / it.files[1], flawed);
  }
  io::write_wav(out / it.files[0], song.mix);
}

void write_labels(const fs::path& out, const std::vector<Item>& items) {
  std::string tech = "file,techniques\n", pat = "file,techniques,tempo,bars,complexity\n", mix = "file,flaw,source\n";
  for (const auto& it : items) {
    const std::string base = numbered(it.genre, it.index);
    if (it.kind == kTechniqueSong)
      tech += csv_field("audio/" + base + ".wav") + "," + csv_field(join_techniques(it.plan.techniques)) + "\n";
    if (it.kind == kPattern)
      pat += csv_field(std::string(case_name(it.genre)) + "/" + base + ".mid") + "," +
             csv_field(join_techniques(it.plan.techniques)) + "," + fmt_num(it.plan.bpm, 1) + "," +
             std::to_string(it.bars) + "," + fmt_num(it.plan.complexity, 2) + "\n";
    if (it.kind == kMix) {
      const std::string src = "mix_" + base;
      mix += src + "_clean.wav,clean," + src + "\n";
      mix += it.files[1].filename().string() + "," + std::string(flaw_name(it.flaw)) + "," + src + "\n";
    }
  }
  write_file_atomic(out / "techniques" / "labels.csv", tech);
  write_file_atomic(out / "patterns" / "labels.csv", pat);
  write_file_atomic(out / "mixes" / "labels.csv", mix);
}

}  // namespace

std::mt19937_64 item_rng(std::uint64_t seed, int kind, int genre, int index) {
  std::uint64_t h = splitmix64(seed);
  h = splitmix64(h ^ static_cast<std::uint64_t>(kind));
  h = splitmix64(h ^ static_cast<std::uint64_t>(genre));
  h = splitmix64(h ^ static_cast<std::uint64_t>(index));
  return std::mt19937_64(h);
}

SynthSummary generate_dataset(const fs::path& out_dir, const SynthParams& p) {
  if (p.per_genre < 1) throw ParameterError("synth: per_genre must be >= 1, got " + std::to_string(p.per_genre));
  const double clip = p.short_clips ? kShortClipSeconds : p.clip_seconds;
  if (!(clip > 0) || !std::isfinite(clip) || clip > 600)
    throw ParameterError("synth: clip_seconds must be in (0, 600], got " + std::to_string(clip));
  if (!(p.technique_rate > 0 && p.technique_rate <= 1))
    throw ParameterError("synth: technique_rate must be in (0, 1], got " + std::to_string(p.technique_rate));
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path soundfont = p.soundfont.empty() ? default_soundfont() : p.soundfont;
  Renderer probe(soundfont);  // fails early (IoError) when the SoundFont is unusable

  std::vector<Item> items;
  for (int kind = 0; kind < kNumKinds; ++kind)
    for (auto g : all_genres())
      for (int i = 0; i < p.per_genre; ++i) items.push_back(plan_item(p, clip, static_cast<Kind>(kind), g, i));
  std::error_code ec;
  for (const auto& it : items) {
    fs::create_directories(out_dir / it.files[0].parent_path(), ec);
    if (ec) throw IoError(out_dir / it.files[0].parent_path(), "cannot create folder: " + ec.message());
  }

  SynthSummary sum;
  sum.items = items.size();
  std::mutex mu;
  Progress progress("synth", items.size(), p.quiet);
  parallel_for(items.size(), p.threads, [&](std::size_t i) {
    const Item& it = items[i];
    const bool done = std::all_of(it.files.begin(), it.files.end(), [&](const fs::path& f) { return fs::exists(out_dir / f); });
    bool failed = false;
    if (!done) {
      try {
        produce(it, out_dir, soundfont);
      } catch (const std::exception& e) {
        failed = true;
        std::lock_guard lock(mu);
        sum.errors.push_back(it.files[0].string() + ": " + e.what());
      }
    }
    {
      std::lock_guard lock(mu);
      if (failed) ++sum.failed;
      else if (done) ++sum.skipped;
      else ++sum.written;
    }
    progress.advance(1, failed);
  });
  progress.finish();
  std::sort(sum.errors.begin(), sum.errors.end());
  write_labels(out_dir, items);
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

}  // namespace echoelml::synth
