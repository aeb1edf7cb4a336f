// The bin-major executor of the sliding tempogram (tempogram_sliding.cpp plans a chunk of
// frames, this runs it), and the layout of its state and sums in memory.
//
// Layout: a block of output bins lives in NV state vectors of V lanes (V = 2, 4, 8 doubles);
// the V lanes are V/2 segments of the block, each lane pair holding two neighbouring bins of its
// segment. Vector j holds, in every segment, state bins 2j - 2 and 2j - 1 (from the segment's
// first output bin), so the Hann filter's bins f - 2, f, f + 2 of output vector j are the whole
// state vectors j, j + 1, j + 2: no shuffles. Each segment carries its own 4 guard bins (the
// neighbours' first bins, computed again by the same recursion: the same values), so every
// block reads and writes only its own slots. The last block may have fewer vectors, to cover
// the bins 0..W without padding a whole block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "features/tempogram_sliding.h"

namespace echoelml::features::detail {

struct FrameArgs {
  double d[2];  ///< slide offsets for even and odd f: (-1)^f x[t-1+W] - x[t-1]
  double inv4;  ///< the Hann add's scale 1 / (4 E_t)
};
enum class StateOp : std::uint8_t { kSlide, kZero, kSet };
enum class AddOp : std::uint8_t { kNone, kHann, kDirect };
/// A frame that is not the common slide + Hann add.
struct Event {
  std::uint32_t t;  ///< frame index within the chunk
  StateOp state;
  AddOp add;
  std::uint32_t set_slot = 0, direct_slot = 0;  ///< which stored spectrum / terms
};

struct BinLayout {
  struct Block {
    long f0;             ///< first output bin
    std::size_t state;   ///< offset of its state slots (vectors * lanes)
    std::size_t out;     ///< offset of its sums ((vectors - 2) * lanes)
    int vectors;         ///< state vectors (3 .. the build's)
  };
  int lanes = 2, vectors = 3;
  std::vector<Block> blocks;
  std::vector<long> state_bin;  ///< per state slot: its bin f (-2 .. max output + 2)
  std::vector<long> out_bin;    ///< per sum slot: its bin f (0 .. at least W)
  std::size_t P() const { return state_bin.size(); }
  std::size_t Q() const { return out_bin.size(); }
};
/// The layout of bins 0..W for a build (its lanes and largest block).
BinLayout make_layout(SimdBuild build, std::size_t W);

struct Plan {
  std::size_t P = 0, Q = 0;            ///< state slots and sum slots (the layout's)
  std::vector<FrameArgs> frames;       ///< every frame of the chunk
  std::vector<Event> events;           ///< in frame order
  std::vector<double> set_re, set_im;  ///< anchors' spectra, P values each (slot order)
  std::vector<double> direct;          ///< direct frames' terms |F|^2 / E, Q values each
  std::size_t spectra() const { return set_re.size() / P + direct.size() / Q; }
  void clear() {
    frames.clear();
    events.clear();
    set_re.clear();
    set_im.clear();
    direct.clear();
  }
};

struct ExecArgs {
  const Plan* plan;
  const BinLayout* layout;
  double* re;  ///< the state, P slots, carried from chunk to chunk
  double* im;
  const double* c;  ///< twiddles w^{-f} = c + i s per state slot
  const double* s;
  double* acc;  ///< Q sums
};

/// Runs the plan's frames on every block (the build must be the layout's).
void execute(SimdBuild build, const ExecArgs& x);

}  // namespace echoelml::features::detail
