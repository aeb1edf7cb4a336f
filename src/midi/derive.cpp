#include "derive.h"

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <tuple>

namespace echoelml::midi::detail {
namespace {

constexpr double kSmpteBeatsPerSecond = 2.0;  // SMPTE files have no tempo: beats assume 120 BPM

double smpte_frames_per_second(int fps) { return fps == 29 ? 30000.0 / 1001.0 : fps; }

bool is_meta(const Event& e, std::uint8_t type) { return e.status == 0xFF && e.meta_type == type; }

// Sorted by tick with the later of equal-tick entries winning, and an entry at tick 0.
template <typename T>
std::vector<T> normalise_map(std::vector<T> v, const T& default_at_zero) {
  std::stable_sort(v.begin(), v.end(), [](const T& a, const T& b) { return a.tick < b.tick; });
  std::vector<T> out;
  for (const T& x : v) {
    if (!out.empty() && out.back().tick == x.tick)
      out.back() = x;
    else
      out.push_back(x);
  }
  if (out.empty() || out.front().tick != 0) out.insert(out.begin(), default_at_zero);
  return out;
}

std::vector<TimeSignature> merge_time_signatures(const std::vector<Track>& tracks) {
  std::vector<TimeSignature> all;
  for (const Track& t : tracks)
    for (const Event& e : t.events)
      if (is_meta(e, kMetaTimeSignature) && e.data.size() >= 2)
        all.push_back({e.tick, e.data[0], 1 << e.data[1]});
  return normalise_map(std::move(all), TimeSignature{});
}

struct OpenNote {
  std::int64_t tick;
  int velocity, program;
};

// Pairs the note events of one group of tracks that share channel state (all tracks of a
// format 0/1 file, or one track of a format 2 file) and appends the notes to `out`.
void pair_notes(const MidiFile& m, const std::vector<int>& group, std::vector<Note>& out) {
  std::vector<const Track*> tracks;
  for (int t : group) tracks.push_back(&m.tracks[t]);
  const TimeMap time(m, merge_tempo_map(tracks));

  // Channel events of the group in time order; ties by track, then file order.
  struct Ref {
    std::int64_t tick;
    int track;
    std::size_t index;
  };
  std::vector<Ref> refs;
  for (int t : group) {
    const auto& ev = m.tracks[t].events;
    for (std::size_t i = 0; i < ev.size(); ++i)
      if (ev[i].status >= 0x80 && ev[i].status < 0xF0) refs.push_back({ev[i].tick, t, i});
  }
  std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) {
    return std::tie(a.tick, a.track, a.index) < std::tie(b.tick, b.track, b.index);
  });

  std::array<int, 16> program{};
  std::map<std::tuple<int, int, int>, std::deque<OpenNote>> open;  // (track, channel, pitch)
  auto emit = [&](int track, int channel, int pitch, const OpenNote& on, std::int64_t end) {
    Note n;
    n.pitch = pitch;
    n.velocity = on.velocity;
    n.channel = channel;
    n.program = on.program;
    n.track = track;
    n.start_tick = on.tick;
    n.duration_ticks = end - on.tick;
    n.start_s = time.seconds(on.tick);
    n.duration_s = time.seconds(end) - n.start_s;
    n.start_beats = time.beats(on.tick);
    n.duration_beats = time.beats(end) - n.start_beats;
    out.push_back(n);
  };
  for (const Ref& r : refs) {
    const Event& e = m.tracks[r.track].events[r.index];
    const int kind = e.status & 0xF0, channel = e.status & 0x0F;
    if (kind == 0xC0) {
      program[channel] = e.data[0];
    } else if (kind == 0x90 && e.data[1] > 0) {
      open[{r.track, channel, e.data[0]}].push_back({e.tick, e.data[1], program[channel]});
    } else if (kind == 0x80 || kind == 0x90) {
      auto it = open.find({r.track, channel, e.data[0]});
      if (it == open.end() || it->second.empty()) continue;  // stray note-off: nothing to end
      emit(r.track, channel, e.data[0], it->second.front(), e.tick);
      it->second.pop_front();
    }
  }
  // Notes never switched off end where their track ends.
  for (auto& [key, queue] : open) {
    const auto& [track, channel, pitch] = key;
    const auto& ev = m.tracks[track].events;
    const std::int64_t end = ev.empty() ? 0 : ev.back().tick;
    for (const OpenNote& on : queue) emit(track, channel, pitch, on, end);
  }
}

}  // namespace

TimeMap::TimeMap(const MidiFile& m, const std::vector<TempoChange>& tempo_map) {
  if (m.ticks_per_quarter <= 0) {  // SMPTE: a fixed number of ticks per second
    const double sec_per_tick =
        1.0 / (smpte_frames_per_second(m.smpte_fps) * std::max(1, m.ticks_per_frame));
    segments_.push_back({0, 0.0, sec_per_tick});
    beats_per_tick_ = sec_per_tick * kSmpteBeatsPerSecond;
    return;
  }
  beats_per_tick_ = 1.0 / m.ticks_per_quarter;
  double seconds = 0;
  for (const TempoChange& tc : tempo_map) {
    if (!segments_.empty())
      seconds += static_cast<double>(tc.tick - segments_.back().tick) * segments_.back().seconds_per_tick;
    segments_.push_back({tc.tick, seconds, tc.microseconds_per_quarter * 1e-6 / m.ticks_per_quarter});
  }
  if (segments_.empty() || segments_.front().tick != 0)
    segments_.insert(segments_.begin(), {0, 0.0, 0.5 / m.ticks_per_quarter});
}

double TimeMap::seconds(std::int64_t tick) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), tick,
                             [](std::int64_t t, const Segment& s) { return t < s.tick; });
  const Segment& s = it == segments_.begin() ? segments_.front() : *std::prev(it);
  return s.seconds + static_cast<double>(tick - s.tick) * s.seconds_per_tick;
}

double TimeMap::beats(std::int64_t tick) const { return static_cast<double>(tick) * beats_per_tick_; }

std::vector<TempoChange> merge_tempo_map(const std::vector<const Track*>& tracks) {
  std::vector<TempoChange> all;
  for (const Track* t : tracks)
    for (const Event& e : t->events)
      if (is_meta(e, kMetaTempo) && e.data.size() == 3) {
        const int us = (e.data[0] << 16) | (e.data[1] << 8) | e.data[2];
        if (us > 0) all.push_back({e.tick, us});
      }
  return normalise_map(std::move(all), TempoChange{});
}

void derive(MidiFile& m) {
  std::vector<const Track*> all;
  for (Track& t : m.tracks) {
    all.push_back(&t);
    t.name.clear();
    for (const Event& e : t.events)
      if (is_meta(e, kMetaTrackName)) {
        t.name.assign(e.data.begin(), e.data.end());
        break;
      }
  }
  m.tempo_map = merge_tempo_map(all);
  m.time_signatures = merge_time_signatures(m.tracks);

  m.notes.clear();
  if (m.format == 2) {
    for (int t = 0; t < static_cast<int>(m.tracks.size()); ++t) pair_notes(m, {t}, m.notes);
  } else {
    std::vector<int> group(m.tracks.size());
    for (std::size_t t = 0; t < group.size(); ++t) group[t] = static_cast<int>(t);
    pair_notes(m, group, m.notes);
  }
  std::sort(m.notes.begin(), m.notes.end(), [](const Note& a, const Note& b) {
    return std::tie(a.start_s, a.start_tick, a.pitch, a.track, a.channel, a.duration_ticks, a.velocity) <
           std::tie(b.start_s, b.start_tick, b.pitch, b.track, b.channel, b.duration_ticks, b.velocity);
  });
}

}  // namespace echoelml::midi::detail
