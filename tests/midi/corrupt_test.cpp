// Corrupt and hostile input: every failure is a FormatError with path and offset, nothing
// crashes, hangs or allocates from a declared length.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "echoelml/core/error.h"
#include "echoelml/midi/midi.h"
#include "smf_bytes.h"
#include "support/shared_data.h"

namespace echoelml::midi {
namespace {

using test::Bytes;

Bytes load(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

std::filesystem::path groove_file() {
  return echoelml::test::shared_dir() / "data/groove-midi/drummer1/session1/1_funk_80_beat_4-4.mid";
}
std::filesystem::path freedoom_file() {
  return echoelml::test::shared_dir() / "data/freedoom-midi/freedoom1_D_E1M1.mid";
}

std::int64_t format_error_offset(const Bytes& b) {
  try {
    parse_midi(b, "corrupt.mid");
  } catch (const FormatError& e) {
    EXPECT_EQ(e.path(), "corrupt.mid");
    EXPECT_NE(std::string(e.what()).find("corrupt.mid"), std::string::npos);
    return e.offset();
  }
  ADD_FAILURE() << "parsed without FormatError";
  return -2;
}

const Bytes kTrack = {0x00, 0x90, 60, 100, 0x60, 0x80, 60, 0, 0x00, 0xFF, 0x2F, 0x00};

TEST(CorruptMidi, EmptyAndNonMidiInputs) {
  EXPECT_EQ(format_error_offset({}), 0);
  const std::string text = "id,style\n1,rock\n";
  EXPECT_EQ(format_error_offset(Bytes(text.begin(), text.end())), 0);
  EXPECT_EQ(format_error_offset({'R', 'I', 'F', 'F', 0x24, 0, 0, 0, 'W', 'A', 'V', 'E'}), 0);
  EXPECT_EQ(format_error_offset({'M', 'T', 'h'}), 0);
}

TEST(CorruptMidi, BadHeaderFields) {
  Bytes b = test::smf(0, 96, {kTrack});
  b[9] = 3;  // format 3
  EXPECT_EQ(format_error_offset(b), 8);
  b = test::smf(0, 96, {kTrack});
  b[7] = 5;  // header length 5
  EXPECT_EQ(format_error_offset(b), 4);
  b = test::smf(1, 0, {kTrack});  // division 0
  EXPECT_EQ(format_error_offset(b), 12);
  b = test::smf(1, static_cast<std::uint16_t>(0xE2 << 8 | 4), {kTrack});  // -30 fps ok, -> change to -23
  b[12] = 0xE9;
  EXPECT_EQ(format_error_offset(b), 12);
  b = test::smf(1, 96, {});
  EXPECT_EQ(format_error_offset(b), 10);  // no tracks
}

TEST(CorruptMidi, HugeDeclaredLengthsAreRefusedBeforeAllocation) {
  Bytes b = test::smf(1, 96, {kTrack});
  b[18] = b[19] = b[20] = b[21] = 0xFF;  // MTrk length 4 GiB
  EXPECT_EQ(format_error_offset(b), 18);
  b = test::smf(1, 96, {kTrack});
  b[4] = b[5] = b[6] = b[7] = 0xFF;  // MThd length 4 GiB
  EXPECT_EQ(format_error_offset(b), 4);
  b = test::smf(1, 96, {kTrack});
  b[10] = b[11] = 0xFF;  // 65535 tracks declared, 1 present
  EXPECT_EQ(format_error_offset(b), static_cast<std::int64_t>(b.size()));
  // Meta event claiming 0x0FFFFFFF payload bytes.
  EXPECT_EQ(format_error_offset(test::smf(0, 96, {{0x00, 0xFF, 0x01, 0xFF, 0xFF, 0xFF, 0x7F, 'x', 0x00}})),
            14 + 8 + 7);
}

TEST(CorruptMidi, EndlessVariableLengthQuantity) {
  EXPECT_EQ(format_error_offset(test::smf(0, 96, {Bytes(1000, 0xFF)})), 22);
  // A 0xFF run that fills the whole file is refused within 4 bytes too.
  Bytes b = test::header(0, 1, 96);
  test::append(b, {'M', 'T', 'r', 'k', 0, 0, 0x10, 0});
  b.resize(b.size() + 4096, 0xFF);
  EXPECT_EQ(format_error_offset(b), 22);
}

TEST(CorruptMidi, EventFaults) {
  EXPECT_EQ(format_error_offset(test::smf(0, 96, {{0x00, 60, 100}})), 23);  // data without status
  EXPECT_EQ(format_error_offset(test::smf(0, 96, {{0x00, 0x90, 60, 0x90}})), 23);  // status inside event
  EXPECT_EQ(format_error_offset(test::smf(0, 96, {{0x00, 0xFF, 0x51, 0x02, 1, 2}})), 23);  // tempo size
  EXPECT_EQ(format_error_offset(test::smf(0, 96, {{0x00, 0xFF, 0x51, 0x03, 0, 0, 0}})), 23);  // tempo 0
  EXPECT_EQ(format_error_offset(test::smf(0, 96, {{0x00, 0xFF, 0x58, 0x04, 0, 2, 24, 8}})), 23);
  EXPECT_EQ(format_error_offset(test::smf(0, 96, {{0x00, 0x90, 60}})), 24);  // runs past chunk
}

TEST(CorruptMidi, TruncatedRealFilesAlwaysFail) {
  for (const auto& path : {groove_file(), freedoom_file()}) {
    const Bytes full = load(path);
    ASSERT_GT(full.size(), 100u) << path;
    parse_midi(full, path);  // the whole file is fine
    // Every prefix up to 64 bytes, then ~300 offsets spread over the file.
    std::vector<std::size_t> cuts;
    for (std::size_t n = 0; n < 64; ++n) cuts.push_back(n);
    for (std::size_t n = 64; n < full.size(); n += std::max<std::size_t>(1, full.size() / 300)) cuts.push_back(n);
    cuts.push_back(full.size() - 1);
    for (std::size_t n : cuts) {
      SCOPED_TRACE(path.filename().string() + " cut at " + std::to_string(n));
      const Bytes part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      const std::int64_t off = format_error_offset(part);
      EXPECT_GE(off, 0);
      EXPECT_LE(off, static_cast<std::int64_t>(n));
    }
  }
}

TEST(CorruptMidi, FlippedBytesParseOrFailCleanly) {
  std::mt19937 rng(1234);
  for (const auto& path : {groove_file(), freedoom_file()}) {
    const Bytes full = load(path);
    int errors = 0;
    for (int trial = 0; trial < 300; ++trial) {
      Bytes b = full;
      const int flips = 1 + trial % 8;
      for (int k = 0; k < flips; ++k) b[rng() % b.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      try {
        const MidiFile m = parse_midi(b, "flipped.mid");
        for (const Note& n : m.notes) {  // whatever parses must still be a valid note table
          ASSERT_GE(n.pitch, 0);
          ASSERT_LE(n.pitch, 127);
          ASSERT_GE(n.velocity, 1);
          ASSERT_LE(n.velocity, 127);
          ASSERT_GE(n.duration_ticks, 0);
          ASSERT_GE(n.duration_s, 0.0);
        }
      } catch (const FormatError& e) {
        ++errors;
        EXPECT_GE(e.offset(), 0);
        EXPECT_LE(e.offset(), static_cast<std::int64_t>(b.size()));
      }
    }
    EXPECT_GT(errors, 0) << "no flip was detected at all in " << path;
  }
}

TEST(CorruptMidi, HeaderFlipsAlwaysFail) {
  const Bytes full = load(groove_file());
  for (std::size_t i = 0; i < 4; ++i) {  // the MThd magic
    Bytes b = full;
    b[i] ^= 0x20;
    EXPECT_EQ(format_error_offset(b), 0);
  }
  Bytes b = full;
  b[14] = 'X';  // first MTrk id becomes unknown: skipped, so the declared track is missing
  EXPECT_EQ(format_error_offset(b), static_cast<std::int64_t>(b.size()));
}

TEST(ReadMidi, OversizedFileRefusedWithoutReading) {
  const auto dir = echoelml::test::make_temp_dir("midi_big");
  const auto p = dir / "big.mid";
  { std::ofstream(p, std::ios::binary) << "MThd"; }
  std::filesystem::resize_file(p, kMaxMidiFileBytes + 1);  // sparse file
  EXPECT_THROW(read_midi(p), FormatError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace echoelml::midi
