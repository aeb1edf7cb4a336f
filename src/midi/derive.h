// Derivation of the interpreted fields of a MidiFile (tempo map, time signatures, track names,
// notes) from its raw tracks. Shared by the reader and make_midi so both agree exactly.
#pragma once

#include <cstdint>
#include <vector>

#include "echoelml/midi/midi.h"

namespace echoelml::midi::detail {

/// Tick -> seconds through a tempo map (PPQ) or a fixed SMPTE rate.
class TimeMap {
 public:
  TimeMap(const MidiFile& m, const std::vector<TempoChange>& tempo_map);
  double seconds(std::int64_t tick) const;
  double beats(std::int64_t tick) const;

 private:
  struct Segment {
    std::int64_t tick;
    double seconds;
    double seconds_per_tick;
  };
  std::vector<Segment> segments_;
  double beats_per_tick_ = 0;
};

/// Tempo changes of the given tracks merged and sorted; a 120 BPM entry is added at tick 0
/// when none is there; of several changes at one tick the last (track, file order) wins.
std::vector<TempoChange> merge_tempo_map(const std::vector<const Track*>& tracks);

/// Fills m.tempo_map, m.time_signatures, each track's name and m.notes from m.tracks.
/// Expects events whose payloads were validated (the reader and make_midi do that).
void derive(MidiFile& m);

}  // namespace echoelml::midi::detail
