// Note-level arrangement: chords, drums, bass, harmony and lead of one clip, with the
// composition/arrangement techniques realised on the notes (arrange.h, docs/synth.md).
#include "echoelml/synth/arrange.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "echoelml/core/error.h"
#include "synth/styles.h"

namespace echoelml::synth {
namespace {

using T = ProductionTechnique;

struct Chord {
  int root = 0;            // semitones above the key's tonic
  std::vector<int> tones;  // semitones above root, ascending, tones[0] = 0
};

struct Span {
  double start, len;
  Chord chord;
  int degree;  // scale degree of the root (-1 for the chromatic dominant)
};

// A lead note in scale degrees (relative to the tonic of the lead octave).
struct Tone {
  double start, dur;
  int deg;
};

class Builder {
 public:
  Builder(const ArrangeParams& p, std::mt19937_64& rng)
      : p_(p), st_(genre_style(p.genre)), scale_(scale_steps(st_.scale)), rng_(rng) {
    for (auto t : p.techniques) has_[static_cast<int>(t)] = true;
  }

  Arrangement build() {
    make_spans();
    if (has(T::BuildupDropStructure)) {
      // The drop starts on the chord span nearest the middle, leaving at least a beat of each part.
      double best = spans_.back().start;
      for (const auto& s : spans_)
        if (s.start >= 1 && std::abs(s.start - p_.beats * 0.5) < std::abs(best - p_.beats * 0.5)) best = s.start;
      out_.drop_beat = best;
    }
    drums();
    bass();
    if (has(T::OrchestralVoicing)) orchestral(); else harmony();
    if (has(T::TextureStacking)) texture_layers();
    lead();
    if (out_.drop_beat > 0) buildup();
    apply_swing();
    apply_dynamics();
    finish();
    return std::move(out_);
  }

 private:
  bool has(T t) const { return has_[static_cast<int>(t)]; }
  double uni(double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng_); }
  int irand(int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng_); }
  bool chance(double p) { return uni(0, 1) < p; }

  int n_scale() const { return static_cast<int>(scale_.size()); }
  // Semitones above the tonic of scale degree d (any integer; wraps by octaves).
  int deg_semis(int d) const {
    const int n = n_scale();
    const int oct = (d >= 0) ? d / n : -((-d + n - 1) / n);
    return scale_[d - oct * n] + 12 * oct;
  }
  int pitch(int semis_above_tonic, int octave) const { return std::clamp(p_.key + 12 * (octave + 1) + semis_above_tonic, 0, 127); }

  Chord diatonic(int degree) const {
    Chord c;
    c.root = deg_semis(degree);
    const int n_tones = st_.sevenths ? 4 : 3;
    for (int k = 0; k < n_tones; ++k) c.tones.push_back(deg_semis(degree + 2 * k) - c.root);
    return c;
  }

  void add(int ch, int program, int pitch_value, double start, double dur, double vel) {
    if (start >= p_.beats || dur <= 0) return;
    midi::Note n;
    n.channel = ch;
    n.program = ch == kDrumChannel ? 0 : program;
    n.pitch = std::clamp(pitch_value, 0, 127);
    n.velocity = std::clamp(static_cast<int>(std::lround(vel + uni(-5, 5))), 1, 127);
    n.start_beats = start;
    n.duration_beats = std::min(dur, p_.beats - start);
    out_.notes.push_back(n);
  }

  const Span& span_at(double beat) const {
    for (const auto& s : spans_)
      if (beat < s.start + s.len) return s;
    return spans_.back();
  }

  // ---- harmony timeline -------------------------------------------------------------------
  void make_spans() {
    double len = p_.genre == MusicGenre::Ambient ? 8.0 : 4.0;
    // Short clips still get at least two chord spans (so a progression or a cadence is heard).
    while (len > 1.0 && p_.beats / len < 2.0) len /= 2.0;
    const std::vector<int> prog = has(T::HarmonicProgression) ? st_.progression : std::vector<int>{0};
    for (double s = 0; s < p_.beats - 1e-9; s += len) {
      const int degree = prog[spans_.size() % prog.size()];
      spans_.push_back({s, std::min(len, p_.beats - s), diatonic(degree), degree});
    }
    if (has(T::TensionRelease) && spans_.size() >= 2) {
      // Cadence: dominant seventh (with a flat ninth at high complexity) resolving to the tonic.
      Span& dom = spans_[spans_.size() - 2];
      dom.chord = Chord{7, p_.complexity > 0.5 ? std::vector<int>{0, 4, 7, 10, 13} : std::vector<int>{0, 4, 7, 10}};
      dom.degree = -1;
      spans_.back().chord = diatonic(0);
      spans_.back().degree = 0;
    }
  }

  // ---- drums ------------------------------------------------------------------------------
  void groove_line(int pitch_value, std::string_view steps, double from, double to, double vel_scale = 1.0) {
    for (double bar = 0; bar < p_.beats; bar += 4)
      for (std::size_t s = 0; s < steps.size() && s < 16; ++s) {
        const double t = bar + 0.25 * double(s);
        if (t < from || t >= to) continue;
        const char c = steps[s];
        if (c == '.' || (c == 'g' && !chance(p_.complexity))) continue;
        const double vel = c == 'x' ? 112 : c == 'o' ? 88 : 50;
        add(kDrumChannel, 0, pitch_value, t, 0.2, vel * vel_scale);
      }
  }

  std::string euclid(int k, int n, int rot) const {
    std::string s(16, '.');
    for (int i = 0; i < 16; ++i) {
      const int j = (i + rot) % n;
      if (((j * k) % n) < k && i < 16) s[i] = (j * k) % n == 0 ? 'x' : 'o';
    }
    return s;
  }

  void drums() {
    const bool kit = st_.has_kit;
    if (p_.genre == MusicGenre::Experimental) {
      // Random Euclidean rhythms on electronic percussion, on grids of 5, 7 or 16 steps.
      const int voices[] = {kKick, 37, kClap, kTambourine, kCowbell, kWoodBlock, 77, kTriangle};
      groove_line(kKick, euclid(irand(3, 5), 16, irand(0, 3)), 0, p_.beats);
      for (int v = 0; v < 3; ++v) {
        const int n = std::array<int, 3>{5, 7, 16}[irand(0, 2)];
        groove_line(voices[irand(1, 7)], euclid(irand(2, n - 1), n, irand(0, n - 1)), 0, p_.beats, 0.8);
      }
    } else if (kit) {
      for (const auto& line : genre_groove(p_.genre)) groove_line(line.pitch, line.steps, 0, p_.beats);
      if (p_.genre == MusicGenre::Rock)
        for (double b = 0; b < p_.beats; b += 16) add(kDrumChannel, 0, kCrash, b, 1, 100);
    }
    const bool has_kick = std::any_of(out_.notes.begin(), out_.notes.end(), [](const midi::Note& n) { return stem_of(n) == Stem::Kick; });
    if (!has_kick && (p_.need_kick || has(T::BuildupDropStructure)))
      groove_line(kKick, "x...x...x...x...", 0, p_.beats, 0.9);
    if (has(T::RhythmicLayering)) {
      // Extra layers on other subdivisions: 16th shaker, off-beat tambourine, and a
      // dotted-8th (3 against 4) wood block.
      groove_line(kShaker, "oooooooooooooooo", 0, p_.beats, 0.7);
      groove_line(kTambourine, "..o...o...o...o.", 0, p_.beats, 0.8);
      groove_line(kWoodBlock, "x..o..o..o..o..o", 0, p_.beats, 0.8);
    }
  }

  // ---- bass -------------------------------------------------------------------------------
  void bass_note(int semis, double t, double dur, double vel) { add(0, st_.bass_program, pitch(semis, 2), t, dur, vel); }

  void bass() {
    for (const auto& sp : spans_) {
      const int r = sp.chord.root;
      const int fifth = r + sp.chord.tones[std::min<std::size_t>(2, sp.chord.tones.size() - 1)];
      const double end = sp.start + sp.len;
      switch (p_.genre) {
        case MusicGenre::Edm:
          for (double t = sp.start + 0.5; t < end; t += 1) bass_note(r, t, 0.4, 100);
          break;
        case MusicGenre::Jazz: {  // walking quarters with a chromatic approach to the next root
          const int next = span_at(end + 1e-6).chord.root;
          for (double t = sp.start; t < end - 1e-9; t += 1) {
            int s = r;
            if (t > sp.start) s = r + sp.chord.tones[irand(0, static_cast<int>(sp.chord.tones.size()) - 1)];
            if (t + 1 >= end - 1e-9 && end < p_.beats) s = next + (chance(0.5) ? 1 : -1);
            bass_note(s, t, 0.9, 92);
          }
          break;
        }
        case MusicGenre::Classical:
          for (double t = sp.start; t < end - 1e-9; t += 2) bass_note(std::fmod(t - sp.start, 4) < 1 ? r : fifth, t, 1.9, 80);
          break;
        case MusicGenre::HipHop:  // long 808-style notes on the kick pattern
          for (double off : {0.0, 1.75, 2.5})
            for (double bar = sp.start; bar < end; bar += 4) bass_note(r - 12 * (r >= 7), bar + off, off == 2.5 ? 1.4 : 1.6, 105);
          break;
        case MusicGenre::Ambient:
          bass_note(r, sp.start, sp.len, 70);
          break;
        case MusicGenre::Rock:
          for (double t = sp.start; t < end; t += 0.5) bass_note(r, t, 0.45, 95);
          break;
        case MusicGenre::World:  // tumbao-like anticipations: "2-and" and beat 4
          for (double bar = sp.start; bar < end; bar += 4) {
            bass_note(fifth, bar + 1.5, 1.0, 90);
            bass_note(r, bar + 3.0, 1.0, 95);
          }
          break;
        case MusicGenre::Experimental:
          for (double t = sp.start; t < end; t += 0.25 * irand(1, 6)) bass_note(deg_semis(irand(-3, 3)), t, 0.3, 85);
          break;
      }
    }
  }

  // ---- harmony ----------------------------------------------------------------------------
  std::vector<int> close_voicing(const Chord& c, int octave) const {
    std::vector<int> v;
    for (int t : c.tones) v.push_back(pitch(c.root + t, octave));
    return v;
  }

  void chord_hit(int ch, int program, const std::vector<int>& pitches, double t, double dur, double vel) {
    for (int pch : pitches) add(ch, program, pch, t, dur, vel);
  }

  void harmony() {
    const int prog = st_.harmony_program;
    for (const auto& sp : spans_) {
      const auto v = close_voicing(sp.chord, 4);
      const double end = sp.start + sp.len;
      switch (p_.genre) {
        case MusicGenre::Jazz: {  // Charleston comping, rootless (3-5-7-9 style) voicing
          std::vector<int> rootless(v.begin() + 1, v.end());
          rootless.push_back(v[0] + 14);
          for (double bar = sp.start; bar < end; bar += 4) {
            chord_hit(1, prog, rootless, bar, 0.7, 70);
            chord_hit(1, prog, rootless, bar + 1.5, 0.5, 66);
          }
          break;
        }
        case MusicGenre::HipHop:
          chord_hit(1, prog, v, sp.start, std::min(2.0, sp.len), 72);
          if (sp.len > 2.5) chord_hit(1, prog, v, sp.start + 2.5, sp.len - 2.5, 64);
          break;
        case MusicGenre::Ambient: {  // open voicing: root, fifth, tenth, seventh up an octave
          std::vector<int> open = {v[0] - 12, v[std::min<std::size_t>(2, v.size() - 1)] - 12, v[1] + 12, v.back() + 12};
          chord_hit(1, prog, open, sp.start, sp.len, 60);
          break;
        }
        case MusicGenre::Rock: {  // palm-muted power chord 8ths
          const std::vector<int> power = {pitch(sp.chord.root, 3), pitch(sp.chord.root + 7, 3), pitch(sp.chord.root + 12, 3)};
          for (double t = sp.start; t < end; t += 0.5) chord_hit(1, prog, power, t, 0.45, 90);
          break;
        }
        case MusicGenre::World:  // up-down arpeggio in 8ths
        case MusicGenre::Classical:
          if (p_.genre == MusicGenre::World || p_.complexity > 0.6) {
            const std::vector<int> order = {0, 1, 2, 1};
            int k = 0;
            for (double t = sp.start; t < end; t += 0.5, ++k)
              add(1, prog, v[order[k % 4] % v.size()], t, 0.5, 75);
          } else {
            chord_hit(1, prog, v, sp.start, sp.len, 70);
          }
          break;
        case MusicGenre::Experimental:
          for (double t = sp.start; t < end; t += 0.5 * irand(1, 4)) {
            std::vector<int> cluster;
            for (int k = 0; k < 3; ++k) cluster.push_back(pitch(deg_semis(irand(0, 8)), 4));
            chord_hit(1, prog, cluster, t, 0.25 * irand(1, 6), 70);
          }
          break;
        case MusicGenre::Edm:
          chord_hit(1, prog, v, sp.start, sp.len, 72);
          break;
      }
    }
  }

  void orchestral() {
    // Open, spread voicing over four orchestral sections (cello, horn, viola, violins): bass
    // note low, fifth and third in the middle, top voice two octaves above the cello.
    for (const auto& sp : spans_) {
      const int r = sp.chord.root;
      const int third = r + sp.chord.tones[1], fifth = r + sp.chord.tones[std::min<std::size_t>(2, sp.chord.tones.size() - 1)];
      add(1, 42, pitch(r, 3), sp.start, sp.len, 78);
      add(2, 60, pitch(fifth, 3), sp.start, sp.len, 72);
      add(3, 41, pitch(third + 12, 3), sp.start, sp.len, 72);
      add(4, 40, pitch(chance(0.5) ? r : third, 5), sp.start, sp.len, 76);
      if (sp.chord.tones.size() > 3) add(4, 40, pitch(r + sp.chord.tones[3], 5), sp.start, sp.len, 70);
    }
  }

  void texture_layers() {
    // Layers enter one after another: string pad up an octave, music-box arpeggio, choir.
    const double t1 = p_.beats * 0.25, t2 = p_.beats * 0.5, t3 = p_.beats * 0.75;
    for (const auto& sp : spans_) {
      const auto v = close_voicing(sp.chord, 5);
      const double end = sp.start + sp.len;
      for (int pch : v) {
        const double s = std::max(sp.start, t1);
        if (s < end) add(10, 49, pch, s, end - s, 62);
      }
      int k = 0;
      for (double t = sp.start; t < end; t += 0.25, ++k)
        if (t >= t2) add(11, 10, v[k % v.size()] + 12, t, 0.25, 60);
      const double s3 = std::max(sp.start, t3);
      if (s3 < end) chord_hit(12, 52, {v[0], v[std::min<std::size_t>(2, v.size() - 1)]}, s3, end - s3, 64);
    }
  }

  // ---- lead -------------------------------------------------------------------------------
  double pick_duration() {
    // Denser rhythms at higher complexity.
    const double c = p_.complexity;
    const std::array<double, 5> durs = {0.25, 0.5, 1.0, 1.5, 2.0};
    const std::array<double, 5> w = {0.1 + c, 0.6 + c, 0.8, 0.4 * (1 - c) + 0.05, 0.5 * (1 - c) + 0.05};
    std::discrete_distribution<int> d(w.begin(), w.end());
    return durs[d(rng_)];
  }

  int chord_degree_near(double t, int deg) const {
    // Snap a degree to the nearest chord tone of the span at t (strong beats).
    const Span& sp = span_at(t);
    if (sp.degree < 0) return deg;
    int best = deg, bd = 99;
    for (int k = -3; k <= 3; ++k) {
      const int cand = deg + k;
      const int rel = ((cand - sp.degree) % n_scale() + n_scale()) % n_scale();
      if ((rel == 0 || rel == 2 || rel == 4) && std::abs(k) < bd) { best = cand; bd = std::abs(k); }
    }
    return best;
  }

  std::vector<Tone> phrase(double start, double len, int deg) {
    std::vector<Tone> out;
    for (double t = start; t < start + len - 1e-9;) {
      const double d = std::min(pick_duration(), start + len - t);
      if (!chance(0.12)) {
        deg = std::clamp(deg + irand(-2, 2), -4, 9);
        if (std::fmod(t, 1.0) < 1e-9) deg = chord_degree_near(t, deg);
        out.push_back({t, d, deg});
      }
      t += d;
    }
    return out;
  }

  std::vector<Tone> motivic(double unit) {
    // A 3-5 note motif, then per unit: statement, sequence up, inversion, retrograde, ...
    std::vector<Tone> motif;
    double t = 0;
    int deg = irand(0, 4);
    const int n = irand(3, 5);
    for (int k = 0; k < n && t < unit - 1e-9; ++k) {
      const double d = std::min(std::max(0.25, pick_duration() * 0.5), unit - t);
      motif.push_back({t, d, deg});
      deg += irand(-2, 2) == 0 ? 1 : irand(-2, 2);
      t += d;
    }
    std::vector<Tone> out;
    int k = 0;
    for (double u = 0; u < p_.beats - 1e-9; u += unit, ++k) {
      const int form = k % 4;
      const int shift = form == 1 ? 2 * (k / 4 + 1) - 1 : (k / 4);
      for (std::size_t i = 0; i < motif.size(); ++i) {
        const Tone& m = motif[form == 3 ? motif.size() - 1 - i : i];
        int d = m.deg;
        if (form == 2) d = 2 * motif[0].deg - m.deg;  // inversion around the first note
        out.push_back({u + motif[i].start, motif[i].dur, d + shift});
      }
    }
    return out;
  }

  void emit(const std::vector<Tone>& tones, int ch, int program, int octave, double vel) {
    for (const auto& tn : tones) add(ch, program, pitch(deg_semis(tn.deg), octave), tn.start, tn.dur * 0.95, vel);
  }

  void lead() {
    const bool short_clip = p_.beats < 16;
    const double unit = short_clip ? 2.0 : 4.0;
    std::vector<Tone> line = has(T::MotivicDevelopment) ? motivic(unit) : phrase(0, p_.beats, irand(0, 4));
    if (has(T::TensionRelease) && spans_.size() >= 2) {
      // Stepwise climb through the dominant span, resolving on the tonic an octave up.
      const Span& dom = spans_[spans_.size() - 2];
      const Span& fin = spans_.back();
      std::erase_if(line, [&](const Tone& t) { return t.start >= dom.start; });
      int deg = 1;
      for (double t = dom.start; t < dom.start + dom.len - 1e-9; t += 0.5) line.push_back({t, 0.5, deg++});
      line.push_back({fin.start, fin.len, 7});
    }
    std::vector<Tone> response;
    if (has(T::CallAndResponse)) {
      // Call on the lead instrument, answered an octave lower by a second instrument with the
      // same rhythm, ending on the tonic.
      const double period = 2 * unit;
      std::vector<Tone> calls;
      for (const auto& t : line) {
        const double in = std::fmod(t.start, period);
        if (in < unit) calls.push_back(t);
      }
      for (std::size_t i = 0; i < calls.size(); ++i) {
        Tone r = calls[i];
        r.start += unit;
        r.deg -= 2;
        const bool last = i + 1 == calls.size() || std::floor(calls[i + 1].start / period) != std::floor(calls[i].start / period);
        if (last) r.deg = 0;
        response.push_back(r);
      }
      line = calls;
      emit(response, 7, st_.response_program, st_.lead_octave - 1, 88);
    }
    emit(line, 5, st_.lead_program, st_.lead_octave, 92);
    if (has(T::MelodicCounterpoint)) counterpoint(line);
  }

  void counterpoint(const std::vector<Tone>& line) {
    // An independent second line an octave lower: at every beat it moves against the lead
    // (contrary motion), in its own rhythm (half and whole beats), avoiding seconds/sevenths.
    if (line.empty()) return;
    auto lead_deg_at = [&](double t) {
      int d = line.front().deg;
      for (const auto& tn : line) if (tn.start <= t + 1e-9) d = tn.deg;
      return d;
    };
    int deg = lead_deg_at(0) - 2;
    int prev_lead = lead_deg_at(0);
    std::vector<Tone> cp;
    for (double t = 0; t < p_.beats - 1e-9;) {
      const double d = std::min(chance(0.5) ? 1.0 : 2.0, p_.beats - t);
      const int ld = lead_deg_at(t);
      const int motion = ld - prev_lead;
      deg -= motion == 0 ? irand(-1, 1) : std::clamp(motion, -3, 3);
      int iv = ((ld - deg) % 7 + 7) % 7;
      if (iv == 1 || iv == 6) deg -= 1;
      cp.push_back({t, d, deg});
      prev_lead = ld;
      t += d;
    }
    emit(cp, 6, st_.counter_program, st_.lead_octave - 1, 80);
  }

  // ---- form and performance ----------------------------------------------------------------
  void buildup() {
    // Build: no kick/bass/kit before the drop, an accelerating snare roll (quarters, 8ths,
    // 16ths) and a rising crescendo; drop: crash plus the full groove.
    const double drop = out_.drop_beat;
    std::erase_if(out_.notes, [&](const midi::Note& n) {
      const Stem s = stem_of(n);
      return n.start_beats < drop && (s == Stem::Kick || s == Stem::Drums || s == Stem::Bass);
    });
    for (int part = 0; part < 3; ++part) {
      const double a = drop * part / 3.0, b = drop * (part + 1) / 3.0;
      const double step = part == 0 ? 1.0 : part == 1 ? 0.5 : 0.25;
      for (double t = std::ceil(a / step) * step; t < b - 1e-9; t += step)
        add(kDrumChannel, 0, kSnare, t, 0.1, 45 + 75 * t / drop);
    }
    add(kDrumChannel, 0, kCrash, drop, 2, 120);
    if (st_.has_kit == false)
      groove_line(kSnare, "....x.......x...", drop, p_.beats, 0.9);
  }

  void apply_swing() {
    const double amount = st_.swing * uni(0.6, 1.0);
    if (amount <= 0) return;
    for (auto& n : out_.notes) {
      const double frac = n.start_beats - std::floor(n.start_beats);
      if (st_.swing_eighths && std::abs(frac - 0.5) < 1e-6) n.start_beats += amount / 6.0;
      if (!st_.swing_eighths && (std::abs(frac - 0.25) < 1e-6 || std::abs(frac - 0.75) < 1e-6)) n.start_beats += amount / 12.0;
    }
  }

  double dyn_scale(double t) const {
    double s = 0.85;
    if (has(T::DynamicContrast)) {
      // Four sections: forte, piano (subito), crescendo piano->fortissimo, fortissimo.
      const double u = t / p_.beats;
      s = u < 0.25 ? 0.9 : u < 0.5 ? 0.35 : u < 0.75 ? 0.35 + 0.7 * (u - 0.5) / 0.25 : 1.05;
    }
    if (out_.drop_beat > 0) s *= t < out_.drop_beat ? 0.55 + 0.45 * t / out_.drop_beat : 1.1;
    if (has(T::TensionRelease) && spans_.size() >= 2) {
      const Span& dom = spans_[spans_.size() - 2];
      if (t >= dom.start && t < dom.start + dom.len) s *= 0.8 + 0.35 * (t - dom.start) / dom.len;
    }
    return s;
  }

  void apply_dynamics() {
    for (auto& n : out_.notes) {
      if (n.channel == kDrumChannel && out_.drop_beat > 0 && n.start_beats < out_.drop_beat) continue;  // roll has its own ramp
      n.velocity = std::clamp(static_cast<int>(std::lround(n.velocity * dyn_scale(n.start_beats))), 1, 127);
    }
  }

  void finish() {
    out_.notes.erase(std::remove_if(out_.notes.begin(), out_.notes.end(),
                                    [&](const midi::Note& n) { return n.start_beats >= p_.beats; }),
                     out_.notes.end());
    std::stable_sort(out_.notes.begin(), out_.notes.end(), [](const midi::Note& a, const midi::Note& b) {
      return a.start_beats != b.start_beats ? a.start_beats < b.start_beats : a.pitch < b.pitch;
    });
    for (const auto& n : out_.notes)
      if (stem_of(n) == Stem::Kick) out_.kick_beats.push_back(n.start_beats);
    const double to_s = 60.0 / p_.bpm;
    for (auto& n : out_.notes) {
      n.start_s = n.start_beats * to_s;
      n.duration_s = n.duration_beats * to_s;
    }
    out_.pan.fill(64);
    // Orchestra-like seating for the extra parts; basic parts stay centred.
    out_.pan[2] = 44; out_.pan[3] = 84; out_.pan[4] = 74; out_.pan[6] = 46; out_.pan[7] = 82;
    out_.pan[10] = 34; out_.pan[11] = 94; out_.pan[12] = 64;
    out_.bpm = p_.bpm;
    out_.beats = p_.beats;
  }

  const ArrangeParams& p_;
  const GenreStyle& st_;
  const std::vector<int>& scale_;
  std::mt19937_64& rng_;
  std::array<bool, kNumTechniques> has_{};
  std::vector<Span> spans_;
  Arrangement out_;
};

}  // namespace

Arrangement arrange(const ArrangeParams& p, std::mt19937_64& rng) {
  if (!(p.bpm > 0) || !std::isfinite(p.bpm)) throw ParameterError("arrange: bpm must be > 0, got " + std::to_string(p.bpm));
  if (!(p.beats > 0) || !std::isfinite(p.beats)) throw ParameterError("arrange: beats must be > 0, got " + std::to_string(p.beats));
  if (p.key < 0 || p.key > 11) throw ParameterError("arrange: key must be a pitch class 0..11, got " + std::to_string(p.key));
  if (!(p.complexity >= 0 && p.complexity <= 1))
    throw ParameterError("arrange: complexity must be in [0, 1], got " + std::to_string(p.complexity));
  return Builder(p, rng).build();
}

}  // namespace echoelml::synth
