// Groove MIDI index loader and the style -> app genre table.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "echoelml/core/error.h"
#include "echoelml/midi/groove.h"
#include "support/shared_data.h"

namespace echoelml::midi {
namespace {

namespace fs = std::filesystem;

fs::path write_csv(const fs::path& dir, const std::string& text) {
  const fs::path p = dir / "info.csv";
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

TEST(GrooveInfo, ReadsTheRealIndex) {
  const auto rows = read_groove_info(echoelml::test::shared_dir() / "data/groove-midi/info.csv");
  ASSERT_EQ(rows.size(), 1021u);
  const GrooveEntry& first = rows.front();  // drummer1,drummer1/session1,drummer1/session1/1,funk,80,beat,4-4,...
  EXPECT_EQ(first.drummer, "drummer1");
  EXPECT_EQ(first.session, "drummer1/session1");
  EXPECT_EQ(first.id, "drummer1/session1/1");
  EXPECT_EQ(first.style, "funk");
  EXPECT_EQ(first.bpm, 80);
  EXPECT_EQ(first.beat_type, GrooveBeatType::Beat);
  EXPECT_EQ(first.time_signature_numerator, 4);
  EXPECT_EQ(first.midi_filename, "drummer1/session1/1_funk_80_beat_4-4.mid");
  EXPECT_EQ(first.audio_filename, "drummer1/session1/1_funk_80_beat_4-4.wav");
  EXPECT_NEAR(first.duration_s, 86.704688, 1e-9);
  EXPECT_EQ(first.split, GrooveSplit::Train);
  std::size_t validation = 0, fills = 0;
  for (const GrooveEntry& e : rows) {
    validation += e.split == GrooveSplit::Validation;
    fills += e.beat_type == GrooveBeatType::Fill;
  }
  EXPECT_EQ(validation, 124u);  // counted with cut/sort/uniq on the split column
  EXPECT_GT(fills, 0u);
}

TEST(GrooveInfo, EveryStyleInTheIndexMapsToAGenre) {
  const auto rows = read_groove_info(echoelml::test::shared_dir() / "data/groove-midi/info.csv");
  std::set<MusicGenre> used;
  for (const GrooveEntry& e : rows) {
    const auto g = find_groove_genre(e.style);
    ASSERT_TRUE(g.has_value()) << e.style;
    used.insert(*g);
  }
  EXPECT_EQ(used, (std::set<MusicGenre>{MusicGenre::Edm, MusicGenre::Jazz, MusicGenre::HipHop,
                                        MusicGenre::Rock, MusicGenre::World}));
}

TEST(GrooveGenre, TableEntriesAndSubStyleOverrides) {
  EXPECT_EQ(groove_genre("rock"), MusicGenre::Rock);
  EXPECT_EQ(groove_genre("rock/halftime"), MusicGenre::Rock);
  EXPECT_EQ(groove_genre("punk"), MusicGenre::Rock);
  EXPECT_EQ(groove_genre("funk"), MusicGenre::HipHop);
  EXPECT_EQ(groove_genre("funk/groove1"), MusicGenre::HipHop);  // unknown sub-style: primary
  EXPECT_EQ(groove_genre("funk/rock"), MusicGenre::Rock);
  EXPECT_EQ(groove_genre("funk/latin"), MusicGenre::World);
  EXPECT_EQ(groove_genre("hiphop"), MusicGenre::HipHop);
  EXPECT_EQ(groove_genre("jazz/swing"), MusicGenre::Jazz);
  EXPECT_EQ(groove_genre("jazz/klezmer"), MusicGenre::World);
  EXPECT_EQ(groove_genre("neworleans/secondline"), MusicGenre::Jazz);
  EXPECT_EQ(groove_genre("neworleans/funk"), MusicGenre::HipHop);
  EXPECT_EQ(groove_genre("latin/brazilian-samba"), MusicGenre::World);
  EXPECT_EQ(groove_genre("latin/reggaeton"), MusicGenre::HipHop);
  EXPECT_EQ(groove_genre("afrobeat"), MusicGenre::World);
  EXPECT_EQ(groove_genre("reggae"), MusicGenre::World);
  EXPECT_EQ(groove_genre("dance/disco"), MusicGenre::Edm);
  EXPECT_EQ(groove_genre("soul/motown"), MusicGenre::Rock);
  EXPECT_EQ(groove_genre("Gospel"), MusicGenre::Rock);  // case-insensitive
  EXPECT_EQ(groove_genre("middleeastern"), MusicGenre::World);
  EXPECT_FALSE(find_groove_genre("polka").has_value());
  EXPECT_FALSE(find_groove_genre("").has_value());
  EXPECT_THROW(groove_genre("polka"), ParameterError);
}

TEST(GrooveInfo, ColumnsFoundByNameAndQuotedFields) {
  const auto dir = echoelml::test::make_temp_dir("groove_csv");
  const auto p = write_csv(dir,
                           "split,duration,time_signature,beat_type,bpm,style,midi_filename,session,drummer,id\r\n"
                           "validation,2.5,6-8,fill,97,\"latin/samba\",\"a,b.mid\",d1/s1,d1,d1/s1/7\r\n\r\n");
  const auto rows = read_groove_info(p);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].midi_filename, "a,b.mid");
  EXPECT_EQ(rows[0].time_signature_numerator, 6);
  EXPECT_EQ(rows[0].time_signature_denominator, 8);
  EXPECT_EQ(rows[0].beat_type, GrooveBeatType::Fill);
  EXPECT_EQ(rows[0].split, GrooveSplit::Validation);
  EXPECT_TRUE(rows[0].audio_filename.empty());
  fs::remove_all(dir);
}

TEST(GrooveInfo, MalformedRowsThrowFormatErrorWithOffset) {
  const auto dir = echoelml::test::make_temp_dir("groove_bad");
  const std::string head = "id,drummer,session,midi_filename,style,bpm,beat_type,time_signature,duration,split\n";
  const std::string good = "x,d,s,f.mid,rock,100,beat,4-4,1.5,train\n";
  auto offset_of = [&](const std::string& bad_row) -> std::int64_t {
    try {
      read_groove_info(write_csv(dir, head + good + bad_row));
    } catch (const FormatError& e) {
      return e.offset();
    }
    return -2;
  };
  const auto row2 = static_cast<std::int64_t>(head.size() + good.size());
  EXPECT_EQ(offset_of("x,d,s,f.mid,rock,fast,beat,4-4,1.5,train\n"), row2);   // bpm
  EXPECT_EQ(offset_of("x,d,s,f.mid,rock,100,groove,4-4,1.5,train\n"), row2);  // beat_type
  EXPECT_EQ(offset_of("x,d,s,f.mid,rock,100,beat,44,1.5,train\n"), row2);     // time_signature
  EXPECT_EQ(offset_of("x,d,s,f.mid,rock,100,beat,4-4,-1,train\n"), row2);     // duration
  EXPECT_EQ(offset_of("x,d,s,f.mid,rock,100,beat,4-4,1.5,dev\n"), row2);      // split
  EXPECT_EQ(offset_of("x,d,s,f.mid,rock,100\n"), row2);                       // too few fields
  EXPECT_THROW(read_groove_info(write_csv(dir, "id,style\n1,rock\n")), FormatError);  // columns
  EXPECT_THROW(read_groove_info(dir / "missing.csv"), IoError);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace echoelml::midi
