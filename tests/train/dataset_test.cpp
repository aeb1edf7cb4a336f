// Torch-free data facts: names and shapes, validation, pattern targets, split, standardisation.
#include "echoelml/train/dataset.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "echoelml/core/error.h"
#include "train/prep.h"
#include "train/synthetic.h"

namespace echoelml::train {
namespace {

TEST(ModelShapes, InputOrderIsTheGuidesConcatenateOrder) {
  auto g = input_names(ModelKind::Genre);
  ASSERT_EQ(g.size(), 32u);
  EXPECT_EQ(g[0], "tempo");
  EXPECT_EQ(g[3], "zero_crossing_rate");
  EXPECT_EQ(g[6], "spectral_contrast");
  EXPECT_EQ(g[7], "mfcc_0");
  EXPECT_EQ(g[19], "mfcc_12");
  EXPECT_EQ(g[20], "chroma_0");
  EXPECT_EQ(g[31], "chroma_11");
  auto t = input_names(ModelKind::TechniqueApp);
  EXPECT_EQ(t, (std::vector<std::string>{"dynamic_range", "stereo_width", "spectrum_variance", "temporal_modulation"}));
  EXPECT_EQ(input_names(ModelKind::Technique).size(), 6u);
  auto p = input_names(ModelKind::Pattern);
  ASSERT_EQ(p.size(), 31u);
  EXPECT_EQ(p[3], "genre=Hip-Hop/Trap");
  EXPECT_EQ(p[8 + 3], "technique=Tension & Release");
  EXPECT_EQ(p[28], "tempo");
  EXPECT_EQ(p[30], "complexity");
  EXPECT_EQ(input_size(ModelKind::Mix), 1024);
  EXPECT_EQ(target_size(ModelKind::Pattern), 256);
  EXPECT_EQ(parse_model_kind("PatternGenerator"), ModelKind::Pattern);
  EXPECT_EQ(parse_model_kind("technique-app"), ModelKind::TechniqueApp);
  EXPECT_THROW(parse_model_kind("genres"), ParameterError);
}

TEST(ValidateDataset, NamesTheRowAndReason) {
  auto d = test::technique_data(10);
  d.targets(4, 2) = 0.5f;
  try {
    validate_dataset(ModelKind::Technique, d);
    ADD_FAILURE() << "no throw";
  } catch (const ParameterError& e) {
    EXPECT_NE(std::string(e.what()).find("row 4"), std::string::npos) << e.what();
  }
  auto none = test::technique_data(10);
  std::fill(none.targets.data.begin(), none.targets.data.end(), 0.0f);
  EXPECT_THROW(validate_dataset(ModelKind::Technique, none), ParameterError);
  auto p = test::pattern_data(4);
  p.targets(1, 3) = 0.0f;  // a zero-duration (padding-like) note
  EXPECT_THROW(validate_dataset(ModelKind::Pattern, p), ParameterError);
  EXPECT_NO_THROW(validate_dataset(ModelKind::Pattern, test::pattern_data(4)));
  auto g = test::genre_data(8);
  g.labels.pop_back();
  EXPECT_THROW(validate_dataset(ModelKind::Genre, g), ParameterError);
  auto m = test::mix_data(3);
  m.features = Matrix(3, 512);
  EXPECT_THROW(validate_dataset(ModelKind::Mix, m), ParameterError);
}

TEST(PatternTarget, RepeatInPlaceFillsAllStepsWithRealNotesInsideTheBars) {
  std::vector<PatternNote> notes = {{64, 90, 2.0f, 0.5f}, {60, 100, 0.0f, 1.0f}, {67, 80, 3.0f, 1.0f}};
  auto t = pattern_target(notes, 4.0f);
  ASSERT_EQ(t.size(), 256u);
  // Sorted by start: 60@0 fills steps 0..21, 64@2 steps 22..42, 67@3 steps 43..63 (i*3/64).
  EXPECT_EQ(t[0], 60);
  EXPECT_EQ(t[21 * 4], 60);
  EXPECT_EQ(t[22 * 4], 64);
  EXPECT_EQ(t[42 * 4], 64);
  EXPECT_EQ(t[43 * 4], 67);
  EXPECT_EQ(t[63 * 4 + 2], 3.0f);
  for (int s = 0; s < 64; ++s) {
    EXPECT_GT(t[s * 4 + 3], 0.0f);
    EXPECT_LE(t[s * 4 + 2] + t[s * 4 + 3], 4.0f);
  }
}

TEST(PatternTarget, LoopShiftContinuesThePatternOneLengthLater) {
  std::vector<PatternNote> notes = {{60, 100, 0.0f, 1.0f}, {62, 100, 1.0f, 1.0f}};
  auto t = pattern_target(notes, 2.0f, PatternPadding::LoopShift);
  EXPECT_EQ(t[2 * 4 + 0], 60);
  EXPECT_EQ(t[2 * 4 + 2], 2.0f);   // second cycle starts at beat 2
  EXPECT_EQ(t[63 * 4 + 2], 63.0f); // step 63 = note 1 of cycle 31: 1 + 31 * 2
  EXPECT_THROW(pattern_target({}, 4.0f), ParameterError);
  EXPECT_THROW(pattern_target(notes, 0.0f), ParameterError);
  EXPECT_THROW(pattern_target({{60, 100, 0, 0}}, 4.0f), ParameterError);
}

TEST(Split, StratifiedSplitHoldsOutAFifthOfEveryClass) {
  std::vector<int> strata;
  for (int i = 0; i < 100; ++i) strata.push_back(i < 50 ? 0 : i < 80 ? 1 : 2);  // 50/30/20
  auto s = detail::split_rows(strata, 0.2, 1);
  std::map<int, int> val;
  for (auto r : s.val) val[strata[r]]++;
  EXPECT_EQ(val[0], 10);
  EXPECT_EQ(val[1], 6);
  EXPECT_EQ(val[2], 4);
  EXPECT_EQ(s.train.size() + s.val.size(), 100u);
  EXPECT_EQ(detail::split_rows(strata, 0.2, 1).val, s.val);  // deterministic
  EXPECT_NE(detail::split_rows(strata, 0.2, 2).val, s.val);
  EXPECT_TRUE(detail::split_rows(strata, 0.0, 1).val.empty());
  EXPECT_THROW(detail::split_rows(strata, 1.0, 1), ParameterError);
}

TEST(Standardizer, UsesTrainRowsOnlyAndOnlyCentresConstantColumns) {
  Matrix x(4, 2);
  float v[4][2] = {{1, 5}, {3, 5}, {100, 5}, {-50, 7}};
  for (int r = 0; r < 4; ++r) x(r, 0) = v[r][0], x(r, 1) = v[r][1];
  std::vector<std::size_t> train = {0, 1, 2};
  auto st = detail::fit_standardizer(x, std::span<const std::size_t>(train.data(), 2), 1e-6f);
  EXPECT_FLOAT_EQ(st.mean[0], 2.0f);
  EXPECT_FLOAT_EQ(st.std[0], 1.0f);  // population std of {1, 3}
  EXPECT_FLOAT_EQ(st.mean[1], 5.0f);
  EXPECT_FLOAT_EQ(st.std[1], 1.0f);  // constant column: floor -> 1
  auto st3 = detail::fit_standardizer(x, train, 1e-6f);
  EXPECT_NEAR(st3.std[0], std::sqrt(((1 - 104 / 3.0) * (1 - 104 / 3.0) + (3 - 104 / 3.0) * (3 - 104 / 3.0) +
                                     (100 - 104 / 3.0) * (100 - 104 / 3.0)) / 3.0), 1e-3);
}

}  // namespace
}  // namespace echoelml::train
