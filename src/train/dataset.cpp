// Torch-free facts about the four models' data: names, shapes, validation, pattern targets.
#include "echoelml/train/dataset.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "echoelml/core/error.h"
#include "echoelml/core/music.h"

namespace echoelml::train {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

constexpr std::array<ModelKind, 5> kAllKinds = {ModelKind::Genre, ModelKind::Technique,
                                                ModelKind::TechniqueApp, ModelKind::Pattern,
                                                ModelKind::Mix};

[[noreturn]] void fail(ModelKind kind, const std::string& what) {
  throw ParameterError(fmt::format("train {}: {}", model_name(kind), what));
}

void check_finite(ModelKind kind, const Matrix& m, const char* what) {
  for (std::size_t r = 0; r < m.rows; ++r)
    for (std::size_t c = 0; c < m.cols; ++c)
      if (!std::isfinite(m(r, c)))
        fail(kind, fmt::format("{} row {} column {} is not finite ({})", what, r, c, m(r, c)));
}

}  // namespace

std::string_view model_name(ModelKind kind) {
  switch (kind) {
    case ModelKind::Genre: return "GenreClassifier";
    case ModelKind::Technique: return "TechniqueRecognizer";
    case ModelKind::TechniqueApp: return "TechniqueRecognizerApp";
    case ModelKind::Pattern: return "PatternGenerator";
    case ModelKind::Mix: return "MixAnalyzer";
  }
  return "?";
}

std::string_view kind_key(ModelKind kind) {
  switch (kind) {
    case ModelKind::Genre: return "genre";
    case ModelKind::Technique: return "technique";
    case ModelKind::TechniqueApp: return "technique-app";
    case ModelKind::Pattern: return "pattern";
    case ModelKind::Mix: return "mix";
  }
  return "?";
}

ModelKind parse_model_kind(std::string_view s) {
  for (ModelKind k : kAllKinds)
    if (iequals(s, kind_key(k)) || iequals(s, model_name(k))) return k;
  throw ParameterError(fmt::format(
      "model kind: '{}' not one of genre|technique|technique-app|pattern|mix", s));
}

int input_size(ModelKind kind) {
  switch (kind) {
    case ModelKind::Genre: return 32;
    case ModelKind::Technique: return 6;
    case ModelKind::TechniqueApp: return 4;
    case ModelKind::Pattern: return 31;
    case ModelKind::Mix: return kMixSpectrumSize;
  }
  return 0;
}

int target_size(ModelKind kind) {
  switch (kind) {
    case ModelKind::Genre: return 0;
    case ModelKind::Technique:
    case ModelKind::TechniqueApp: return kNumTechniques;
    case ModelKind::Pattern: return kPatternSteps * kNoteFields;
    case ModelKind::Mix: return kMixTargetSize;
  }
  return 0;
}

std::vector<std::string> input_names(ModelKind kind) {
  std::vector<std::string> names;
  auto expand = [&](std::string_view group, int size) {
    if (size == 1) {
      names.emplace_back(group);
      return;
    }
    for (int i = 0; i < size; ++i) names.push_back(fmt::format("{}_{}", group, i));
  };
  switch (kind) {
    case ModelKind::Genre:
      for (std::size_t g = 0; g < kGenreInputGroups.size(); ++g)
        expand(kGenreInputGroups[g], kGenreInputGroupSizes[g]);
      break;
    case ModelKind::Technique:
    case ModelKind::TechniqueApp:
      for (int i = 0; i < input_size(kind); ++i) names.emplace_back(kTechniqueInputs[i]);
      break;
    case ModelKind::Pattern:
      // One-hot columns are named by the app's raw values so a reader sees the vocabulary.
      for (MusicGenre g : all_genres()) names.push_back(fmt::format("genre={}", raw_value(g)));
      for (ProductionTechnique t : all_techniques())
        names.push_back(fmt::format("technique={}", raw_value(t)));
      names.insert(names.end(), {"tempo", "bars", "complexity"});
      break;
    case ModelKind::Mix: expand("spectrum", kMixSpectrumSize); break;
  }
  return names;
}

void validate_dataset(ModelKind kind, const Dataset& d) {
  const std::size_t n = d.features.rows;
  if (n == 0) fail(kind, "the data set is empty");
  if (d.features.cols != static_cast<std::size_t>(input_size(kind)))
    fail(kind, fmt::format("features have {} columns, expected {}", d.features.cols, input_size(kind)));
  if (d.features.data.size() != n * d.features.cols)
    fail(kind, "features storage does not match its rows x cols");
  check_finite(kind, d.features, "feature");
  if (!d.strata.empty() && d.strata.size() != n)
    fail(kind, fmt::format("{} strata for {} rows", d.strata.size(), n));
  if (!d.rel.empty() && d.rel.size() != n) fail(kind, fmt::format("{} rel entries for {} rows", d.rel.size(), n));

  if (kind == ModelKind::Genre) {
    if (d.labels.size() != n) fail(kind, fmt::format("{} labels for {} rows", d.labels.size(), n));
    std::set<int> classes;
    for (std::size_t i = 0; i < n; ++i) {
      if (d.labels[i] < 0 || d.labels[i] >= kNumGenres)
        fail(kind, fmt::format("label {} of row {} is not a MusicGenre index 0..{}", d.labels[i], i,
                               kNumGenres - 1));
      classes.insert(d.labels[i]);
    }
    if (classes.size() < 2)
      fail(kind, fmt::format("all {} rows have the single class {}: nothing to learn", n,
                             raw_value(static_cast<MusicGenre>(*classes.begin()))));
    return;
  }

  const auto cols = static_cast<std::size_t>(target_size(kind));
  if (d.targets.rows != n || d.targets.cols != cols || d.targets.data.size() != n * cols)
    fail(kind, fmt::format("targets are [{}, {}], expected [{}, {}]", d.targets.rows,
                           d.targets.cols, n, cols));
  check_finite(kind, d.targets, "target");

  if (kind == ModelKind::Technique || kind == ModelKind::TechniqueApp) {
    std::size_t positives = 0;
    bool varies = false;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t c = 0; c < cols; ++c) {
        float v = d.targets(i, c);
        if (v != 0.0f && v != 1.0f)
          fail(kind, fmt::format("target row {} technique {} is {}, expected 0 or 1", i, c, v));
        positives += v == 1.0f;
        varies = varies || v != d.targets(0, c);
      }
    if (positives == 0) fail(kind, "no row has any technique: nothing to learn");
    if (!varies) fail(kind, fmt::format("all {} rows have the same technique set: a single class", n));
  } else if (kind == ModelKind::Pattern) {
    if (!d.pattern_beats.empty() && d.pattern_beats.size() != n)
      fail(kind, fmt::format("{} pattern_beats for {} rows", d.pattern_beats.size(), n));
    for (std::size_t i = 0; i < n; ++i) {
      if (!d.pattern_beats.empty() && !(d.pattern_beats[i] > 0))
        fail(kind, fmt::format("pattern_beats of row {} is {}, expected > 0", i, d.pattern_beats[i]));
      for (int s = 0; s < kPatternSteps; ++s) {
        const float* note = &d.targets(i, static_cast<std::size_t>(s * kNoteFields));
        if (note[0] < 0 || note[0] > 127 || note[1] < 0 || note[1] > 127 || note[2] < 0 || !(note[3] > 0))
          fail(kind, fmt::format("row {} step {}: note (pitch {}, velocity {}, start {}, duration {}) "
                                 "outside pitch/velocity 0-127, start >= 0, duration > 0",
                                 i, s, note[0], note[1], note[2], note[3]));
      }
    }
  }
}

std::vector<float> pattern_target(std::vector<PatternNote> notes, float pattern_beats,
                                  PatternPadding padding) {
  if (notes.empty()) throw ParameterError("pattern_target: a pattern needs at least one note");
  if (!(pattern_beats > 0))
    throw ParameterError(fmt::format("pattern_target: pattern_beats must be > 0, got {}", pattern_beats));
  for (const PatternNote& n : notes)
    if (!(n.pitch >= 0 && n.pitch <= 127 && n.velocity >= 0 && n.velocity <= 127 && n.start >= 0 &&
          n.duration > 0))
      throw ParameterError(fmt::format(
          "pattern_target: note (pitch {}, velocity {}, start {}, duration {}) outside pitch/velocity "
          "0-127, start >= 0, duration > 0", n.pitch, n.velocity, n.start, n.duration));
  std::stable_sort(notes.begin(), notes.end(), [](const PatternNote& a, const PatternNote& b) {
    return a.start != b.start ? a.start < b.start : a.pitch < b.pitch;
  });
  if (notes.size() > static_cast<std::size_t>(kPatternSteps)) notes.resize(kPatternSteps);
  const std::size_t n = notes.size();
  std::vector<float> out(static_cast<std::size_t>(kPatternSteps * kNoteFields));
  for (std::size_t s = 0; s < static_cast<std::size_t>(kPatternSteps); ++s) {
    PatternNote note;
    if (padding == PatternPadding::RepeatInPlace) {
      note = notes[s * n / kPatternSteps];
    } else {
      note = notes[s % n];
      note.start += static_cast<float>(s / n) * pattern_beats;
    }
    float* row = &out[s * kNoteFields];
    row[0] = note.pitch;
    row[1] = note.velocity;
    row[2] = note.start;
    row[3] = note.duration;
  }
  return out;
}

}  // namespace echoelml::train
