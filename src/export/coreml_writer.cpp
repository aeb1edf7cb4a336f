// The Core ML layouts of ../shared/docs/app-contract.md ("Recommended layouts") and the
// guide's literal layout, written from a ModelSpec.
#include <algorithm>
#include <numeric>
#include <sstream>

#include "coreml_internal.h"
#include "echoelml/core/atomic_file.h"
#include "echoelml/core/error.h"
#include "echoelml/core/music.h"
#include "echoelml/export/coreml.h"

namespace echoelml::exporter {
namespace detail {
namespace {

using runtime::ModelSpec;

struct AppInput {
  std::string name;
  std::int64_t size;  // 0 = Double scalar, else FLOAT32 [size]
  std::string description;
};

std::vector<AppInput> app_inputs(AppModel m) {
  switch (m) {
    case AppModel::GenreClassifier:
      return {{"tempo", 0, "Tempo in BPM (librosa beat_track; 0 when no beats)"},
              {"spectral_centroid", 0, "Spectral centroid in Hz, mean over frames (librosa, 44.1 kHz)"},
              {"spectral_rolloff", 0, "Spectral roll-off (85%) in Hz, mean over frames"},
              {"zero_crossing_rate", 0, "Zero crossings per sample (0-1), mean over frames"},
              {"rms", 0, "RMS level, linear full scale (0-1), mean over frames"},
              {"spectral_flux", 0, "mean(diff(spectral centroid)) in Hz per frame (the guide's definition)"},
              {"spectral_contrast", 0, "Spectral contrast in dB, mean over 7 bands and frames"},
              {"mfcc", 13, "13 MFCC means (librosa mfcc, dB-scaled DCT units)"},
              {"chroma", 12, "12 chroma means C..B (librosa chroma_stft, 0-1)"}};
    case AppModel::TechniqueRecognizer:
      return {{"dynamic_range", 0, "Peak-to-peak amplitude max(x)-min(x) of channel 0, linear (0-2)"},
              {"stereo_width", 0, "1 - mean(L*R) over all frames (unitless)"},
              {"spectrum_variance", 0, "Variance of the time-domain samples of channel 0 (amplitude^2)"},
              {"temporal_modulation", 0, "Max |autocorrelation| over lags 0.1-0.9 s, divided by 4096"}};
    case AppModel::PatternGenerator:
      return {{"genre", 8, "One-hot MusicGenre in enum order (EDM/Electronic ... Experimental)"},
              {"technique", 20, "One-hot ProductionTechnique in enum order"},
              {"tempo", 0, "Tempo in BPM"},
              {"bars", 0, "Pattern length in bars"},
              {"complexity", 0, "Complexity 0-1"}};
    case AppModel::MixAnalyzer:
      return {{"spectrum", 1024, "Mean log-power spectrum 10*log10(mean |STFT|^2 + 1e-10) in dB, bins 0-1023 of a "
                                 "2048-point STFT at 44.1 kHz (0 Hz to 22.03 kHz)"}};
  }
  return {};
}

// Guide-only inputs of the 6-feature TechniqueRecognizer (guide's extract_technique_features).
AppInput guide_extra_input(const std::string& name) {
  if (name == "transient_strength") return {name, 0, "Mean librosa onset strength (dB-difference units)"};
  if (name == "harmonic_ratio") return {name, 0, "sum|harmonic part (HPSS)| / sum|y|, 0-1"};
  return {name, 0, ""};
}

// The spec's features in training order: metadata "feature_order" (app input names, one per
// line), else "input_groups" ("name:size" per line, what training writes), else the contract
// order. `allow_extra` admits names the app does not send (the guide's 6-input technique model).
std::vector<AppInput> ordered_inputs(AppModel m, const ModelSpec& spec, bool allow_extra = false) {
  auto all = app_inputs(m);
  std::vector<std::pair<std::string, std::int64_t>> listed;  // size -1 = not given
  if (auto it = spec.metadata.find("feature_order"); it != spec.metadata.end()) {
    std::istringstream in(it->second);
    for (std::string name; std::getline(in, name);) listed.emplace_back(name, -1);
  } else if (auto g = spec.metadata.find("input_groups"); g != spec.metadata.end()) {
    std::istringstream in(g->second);
    for (std::string line; std::getline(in, line);) {
      auto colon = line.rfind(':');
      if (colon == std::string::npos) throw ParameterError("model '" + spec.name + "': input_groups line '" + line + "' is not name:size");
      listed.emplace_back(line.substr(0, colon), std::stoll(line.substr(colon + 1)));
    }
  } else {
    return all;
  }
  std::vector<AppInput> out;
  for (const auto& [name, size] : listed) {
    auto f = std::find_if(all.begin(), all.end(), [&](const AppInput& a) { return a.name == name; });
    AppInput in;
    if (f != all.end()) {
      in = *f;
    } else if (allow_extra) {
      in = guide_extra_input(name);
    } else {
      throw ParameterError("model '" + spec.name + "': input '" + name + "' is not an input the app sends (" +
                           std::string(to_string(m)) + " app inputs: " +
                           [&] { std::string s; for (const auto& a : all) s += (s.empty() ? "" : ", ") + a.name; return s; }() + ")");
    }
    if (size >= 0 && size != std::max<std::int64_t>(in.size, 1))
      throw ParameterError("model '" + spec.name + "': input '" + name + "' has size " + std::to_string(size) + ", the app sends " +
                           std::to_string(std::max<std::int64_t>(in.size, 1)));
    out.push_back(in);
  }
  if (!allow_extra && out.size() != all.size())
    throw ParameterError("model '" + spec.name + "': its inputs must be each " + std::string(to_string(m)) +
                         " app input exactly once (" + std::to_string(out.size()) + " of " + std::to_string(all.size()) + " given)");
  return out;
}

void rename_blob(ModelSpec& s, const std::string& from, const std::string& to) {
  if (from == to) return;
  for (auto& io : s.inputs) if (io.name == from) io.name = to;
  for (auto& io : s.outputs) if (io.name == from) io.name = to;
  for (auto& l : s.layers) {
    for (auto& b : l.inputs) if (b == from) b = to;
    if (l.output == from) l.output = to;
  }
}

void set_double(cml::FeatureDescription* f, const std::string& name, const std::string& desc) {
  f->set_name(name);
  f->set_shortdescription(desc);
  f->mutable_type()->mutable_doubletype();
}
void set_array(cml::FeatureDescription* f, const std::string& name, cml::ArrayFeatureType::ArrayDataType dt,
               const Shape& shape, const std::string& desc) {
  f->set_name(name);
  f->set_shortdescription(desc);
  auto* a = f->mutable_type()->mutable_multiarraytype();
  a->set_datatype(dt);
  for (auto d : shape) a->add_shape(d);
}
void add_app_input(cml::ModelDescription* d, const AppInput& in, bool as_array) {
  if (in.size == 0 && !as_array)
    set_double(d->add_input(), in.name, in.description);
  else
    set_array(d->add_input(), in.name, cml::ArrayFeatureType::FLOAT32, {std::max<std::int64_t>(in.size, 1)}, in.description);
}

std::string meta(const ModelSpec& s, const std::string& key, const std::string& fallback) {
  auto it = s.metadata.find(key);
  return it == s.metadata.end() || it->second.empty() ? fallback : it->second;
}

void set_metadata(cml::Model& m, const ModelSpec& s, AppModel am, const CoreMLOptions& opt) {
  static const std::map<AppModel, std::string> kDefault = {
      {AppModel::GenreClassifier, "Classifies a track into one of 8 MusicGenre raw values from audio features"},
      {AppModel::TechniqueRecognizer, "Scores 20 production techniques (0-1, > 0.5 = present) from 4 buffer statistics"},
      {AppModel::PatternGenerator, "Generates 64 MIDI notes [pitch, velocity, start beat, duration beats]"},
      {AppModel::MixAnalyzer, "Estimates band balance and levels from a magnitude spectrum"}};
  auto* md = m.mutable_description()->mutable_metadata();
  md->set_shortdescription(meta(s, "short_description", kDefault.at(am)));
  md->set_author(meta(s, "author", "echoelml"));
  md->set_license(meta(s, "license", "GPL-3.0"));
  md->set_versionstring(meta(s, "version", "1.0"));
  auto& ud = *md->mutable_userdefined();
  ud["com.echoelml.layout"] = opt.layout == CoreMLLayout::App ? "app" : "guide";
  ud["com.echoelml.weights"] = opt.quantize_8bit ? "linear 8-bit per output channel" : "float32";
  for (const auto& [k, v] : s.metadata)
    if (k != "short_description" && k != "author" && k != "license" && k != "version") ud["com.echoelml." + k] = v;
}

cml::Model vectorizer(const std::vector<AppInput>& ins, const std::string& out, std::int64_t n) {
  cml::Model m;
  m.set_specificationversion(1);
  auto* fv = m.mutable_featurevectorizer();
  for (const auto& in : ins) {
    add_app_input(m.mutable_description(), in, false);
    auto* c = fv->add_inputlist();
    c->set_inputcolumn(in.name);
    c->set_inputdimensions(std::max<std::int64_t>(in.size, 1));
  }
  set_array(m.mutable_description()->add_output(), out, cml::ArrayFeatureType::DOUBLE, {n}, "Concatenated features");
  return m;
}

cml::Model extractor(const std::string& in, std::int64_t n, std::uint64_t index, const std::string& out,
                     const std::string& desc) {
  cml::Model m;
  m.set_specificationversion(1);
  set_array(m.mutable_description()->add_input(), in, cml::ArrayFeatureType::DOUBLE, {n}, "");
  set_double(m.mutable_description()->add_output(), out, desc);
  m.mutable_arrayfeatureextractor()->add_extractindex(index);
  return m;
}

std::int64_t total_size(const std::vector<AppInput>& ins) {
  std::int64_t n = 0;
  for (const auto& i : ins) n += std::max<std::int64_t>(i.size, 1);
  return n;
}

void require(bool ok, const ModelSpec& s, const std::string& what) {
  if (!ok) throw ParameterError("export of model '" + s.name + "': " + what);
}

// Renames the spec's single input and its outputs to the layout's blob names and checks sizes.
ModelSpec prepare(ModelSpec s, AppModel am, const std::string& input_name, std::int64_t n_in,
                  const std::vector<std::pair<std::string, Shape>>& outs) {
  require(s.inputs.size() == 1, s, "needs exactly one input (the feature vector), has " + std::to_string(s.inputs.size()));
  auto shapes = runtime::infer_shapes(s);
  require(s.inputs[0].shape == Shape{n_in}, s, "input must be [" + std::to_string(n_in) + "], is " + shape_text(s.inputs[0].shape));
  std::size_t needed = outs.size();
  if (am == AppModel::MixAnalyzer && s.outputs.size() == 5 && needed == 2) {
    // Training's five heads (freq_balance, dynamic_range, stereo_width, peak_level, rms_level):
    // the four scalars are joined into `levels` [4] for the extractor stages.
    runtime::Layer cat{runtime::LayerKind::Concat, "levels_concat", {}, "__levels", runtime::Activation::Linear, {}, 0, 0};
    for (std::size_t i = 1; i < 5; ++i) cat.inputs.push_back(s.outputs[i].name);
    s.layers.push_back(cat);
    s.outputs.resize(1);
    s.outputs.push_back({"__levels", {4}, "dynamic_range, stereo_width, peak_level, rms_level"});
    shapes = runtime::infer_shapes(s);
  }
  if (am == AppModel::GenreClassifier && s.outputs.size() == 1) {
    // No confidence head: confidence = top probability.
    s.layers.push_back({runtime::LayerKind::ReduceMax, "confidence_max", {s.outputs[0].name}, "confidence_arr",
                        runtime::Activation::Linear, {}, 0, 0});
    s.outputs.push_back({"confidence_arr", {1}, "Top class probability"});
    shapes = runtime::infer_shapes(s);
  }
  require(s.outputs.size() == needed, s, "needs " + std::to_string(needed) + " outputs, has " + std::to_string(s.outputs.size()));
  std::vector<std::string> old;
  for (const auto& o : s.outputs) old.push_back(o.name);
  for (std::size_t i = 0; i < needed; ++i) {
    require(shapes.at(old[i]) == outs[i].second, s,
            "output " + std::to_string(i) + " ('" + old[i] + "') must be " + shape_text(outs[i].second) + ", is " +
                shape_text(shapes.at(old[i])));
    rename_blob(s, old[i], "__out" + std::to_string(i));
  }
  const std::string in_name = s.inputs[0].name;  // copy: rename_blob rewrites it
  rename_blob(s, in_name, input_name);
  for (std::size_t i = 0; i < needed; ++i) rename_blob(s, "__out" + std::to_string(i), outs[i].first);
  return s;
}

const char* kLevelNames[4] = {"dynamic_range", "stereo_width", "peak_level", "rms_level"};
const char* kLevelDesc[4] = {"Dynamic range 20*log10(peak/(rms+1e-4)) in dB", "Stereo width: side/(mid+side) energy, 0-1",
                             "Peak level max|x|, linear 0-1", "RMS level, linear 0-1"};

// The guide's MixAnalyzer has five heads; a spec with five outputs keeps them in the guide layout.
bool guide_mix_heads(AppModel am, const ModelSpec& spec, bool guide) {
  return guide && am == AppModel::MixAnalyzer && spec.outputs.size() == 5;
}

std::vector<std::pair<std::string, Shape>> spec_outputs(AppModel am, bool guide, bool mix_heads = false) {
  switch (am) {
    case AppModel::GenreClassifier: return {{guide ? "genre" : "genre_probs", {8}}, {guide ? "confidence" : "confidence_arr", {1}}};
    case AppModel::TechniqueRecognizer: return {{"techniques", {20}}};
    case AppModel::PatternGenerator: return {{"notes", {64, 4}}};
    case AppModel::MixAnalyzer:
      if (mix_heads) {
        std::vector<std::pair<std::string, Shape>> o{{"freq_balance", {6}}};
        for (const char* n : kLevelNames) o.push_back({n, {1}});
        return o;
      }
      return {{"freq_balance", {6}}, {"levels", {4}}};
  }
  return {};
}

void add_nn_outputs(cml::ModelDescription* d, AppModel am, bool guide, bool mix_heads = false) {
  auto dbl = cml::ArrayFeatureType::DOUBLE;
  switch (am) {
    case AppModel::GenreClassifier:
      if (guide) {
        set_array(d->add_output(), "genre", dbl, {8}, "Softmax probabilities in MusicGenre enum order");
        set_array(d->add_output(), "confidence", dbl, {1}, "Top class probability 0-1");
      }
      break;
    case AppModel::TechniqueRecognizer:
      set_array(d->add_output(), "techniques", dbl, {20}, "Sigmoid score 0-1 per ProductionTechnique in enum order");
      break;
    case AppModel::PatternGenerator:
      set_array(d->add_output(), "notes", dbl, {64, 4},
                "64 notes x [MIDI pitch 0-127, MIDI velocity 0-127, start time in beats, duration in beats]");
      break;
    case AppModel::MixAnalyzer:
      set_array(d->add_output(), "freq_balance", dbl, {6}, "Share of spectral power 0-1 in sub 20-60, bass 60-250, low-mid 250-500, mid 500-2k, high-mid 2k-6k, high 6k-20k Hz");
      if (mix_heads)
        for (int i = 0; i < 4; ++i) set_array(d->add_output(), kLevelNames[i], dbl, {1}, kLevelDesc[i]);
      else
        set_array(d->add_output(), "levels", dbl, {4}, "dynamic_range (dB), stereo_width, peak_level, rms_level");
      break;
  }
}

void add_update_params(cml::Model& m, google::protobuf::RepeatedPtrField<cml::NeuralNetworkLayer>* layers,
                       cml::NetworkUpdateParameters* up, AppModel am, const UpdateOptions& u) {
  auto* loss = up->add_losslayers();
  loss->set_name("loss");
  auto* d = m.mutable_description();
  for (const auto& in : d->input()) *d->add_traininginput() = in;
  if (am == AppModel::GenreClassifier) {
    auto* cce = loss->mutable_categoricalcrossentropylosslayer();
    cce->set_input("genre");
    cce->set_target("genre_true");
    auto* t = d->add_traininginput();
    t->set_name("genre_true");
    t->set_shortdescription("True MusicGenre index 0-7");
    t->mutable_type()->mutable_int64type();
  } else {
    auto* mse = loss->mutable_meansquarederrorlosslayer();
    mse->set_input("techniques");
    mse->set_target("techniques_true");
    set_array(d->add_traininginput(), "techniques_true", cml::ArrayFeatureType::DOUBLE, {20}, "True technique labels 0/1");
  }
  auto* adam = up->mutable_optimizer()->mutable_adamoptimizer();
  auto dparam = [](cml::DoubleParameter* p, double v, double lo, double hi) {
    p->set_defaultvalue(v);
    p->mutable_range()->set_minvalue(lo);
    p->mutable_range()->set_maxvalue(hi);
  };
  dparam(adam->mutable_learningrate(), u.learning_rate, 0.0, 1.0);
  dparam(adam->mutable_beta1(), 0.9, 0.0, 1.0);
  dparam(adam->mutable_beta2(), 0.999, 0.0, 1.0);
  dparam(adam->mutable_eps(), 1e-8, 0.0, 1.0);
  adam->mutable_minibatchsize()->set_defaultvalue(u.mini_batch_size);
  adam->mutable_minibatchsize()->mutable_range()->set_minvalue(1);
  adam->mutable_minibatchsize()->mutable_range()->set_maxvalue(4096);
  up->mutable_epochs()->set_defaultvalue(u.epochs);
  up->mutable_epochs()->mutable_range()->set_minvalue(1);
  up->mutable_epochs()->mutable_range()->set_maxvalue(10000);
  (void)layers;
  m.set_isupdatable(true);
}

cml::Model app_layout(const ModelSpec& spec, AppModel am, const CoreMLOptions& opt) {
  if (opt.updatable)
    throw ParameterError("export of model '" + spec.name + "': " + *updatable_refusal(am, CoreMLLayout::App) +
                         " (docs/export.md)");
  auto ins = ordered_inputs(am, spec);
  const bool mix = am == AppModel::MixAnalyzer;
  const std::string nn_in = mix ? "spectrum" : "features";
  const std::int64_t n = total_size(ins);
  ModelSpec s = prepare(spec, am, nn_in, n, spec_outputs(am, false));

  cml::Model top;
  auto* pipe = am == AppModel::GenreClassifier ? top.mutable_pipelineclassifier()->mutable_pipeline() : top.mutable_pipeline();
  if (!mix) {
    *pipe->add_models() = vectorizer(ins, nn_in, n);
    pipe->add_names("vectorize");
  }
  cml::Model nn;
  NnOptions nopt;
  nopt.exact_mapping = am == AppModel::PatternGenerator;
  nopt.quantize_8bit = opt.quantize_8bit;
  auto* nd = nn.mutable_description();
  if (mix)
    set_array(nd->add_input(), nn_in, cml::ArrayFeatureType::FLOAT32, {n}, ins[0].description);
  else
    set_array(nd->add_input(), nn_in, cml::ArrayFeatureType::DOUBLE, {n}, "Concatenated features");
  int version = 1;
  if (am == AppModel::GenreClassifier) {
    auto* c = nn.mutable_neuralnetworkclassifier();
    version = append_layers(s, nopt, c->mutable_layers());
    for (auto g : all_genres()) c->mutable_stringclasslabels()->add_vector(std::string(raw_value(g)));
    c->set_labelprobabilitylayername("genre_probs");
    auto* o = nd->add_output();
    o->set_name("genre");
    o->set_shortdescription("Predicted MusicGenre raw value");
    o->mutable_type()->mutable_stringtype();
    o = nd->add_output();
    o->set_name("genre_probs");
    o->set_shortdescription("Probability 0-1 per MusicGenre raw value");
    o->mutable_type()->mutable_dictionarytype()->mutable_stringkeytype();
    set_array(nd->add_output(), "confidence_arr", cml::ArrayFeatureType::DOUBLE, {1}, "Top class probability 0-1");
    nd->set_predictedfeaturename("genre");
    nd->set_predictedprobabilitiesname("genre_probs");
  } else {
    auto* net = nn.mutable_neuralnetwork();
    version = append_layers(s, nopt, net->mutable_layers());
    if (nopt.exact_mapping) net->set_arrayinputshapemapping(cml::EXACT_ARRAY_MAPPING);
    add_nn_outputs(nd, am, false);
  }
  nn.set_specificationversion(version);
  *pipe->add_models() = nn;
  pipe->add_names("network");

  auto* td = top.mutable_description();
  for (const auto& in : app_inputs(am)) add_app_input(td, in, false);
  switch (am) {
    case AppModel::GenreClassifier: {
      *pipe->add_models() = extractor("confidence_arr", 1, 0, "confidence", "Top class probability 0-1");
      pipe->add_names("confidence");
      for (int i = 0; i < 2; ++i) *td->add_output() = nd->output(i);
      set_double(td->add_output(), "confidence", "Probability 0-1 of the predicted genre");
      td->set_predictedfeaturename("genre");
      td->set_predictedprobabilitiesname("genre_probs");
      break;
    }
    case AppModel::TechniqueRecognizer:
      for (int i = 0; i < kNumTechniques; ++i) {
        std::string name(raw_value(all_techniques()[i]));
        *pipe->add_models() = extractor("techniques", 20, i, name, "Score 0-1 (> 0.5 = detected)");
        pipe->add_names("technique_" + std::to_string(i));
        set_double(td->add_output(), name, "Score 0-1 for '" + name + "' (> 0.5 = detected)");
      }
      break;
    case AppModel::PatternGenerator: *td->add_output() = nd->output(0); break;
    case AppModel::MixAnalyzer:
      *td->add_output() = nd->output(0);
      for (int i = 0; i < 4; ++i) {
        *pipe->add_models() = extractor("levels", 4, i, kLevelNames[i], kLevelDesc[i]);
        pipe->add_names(kLevelNames[i]);
        set_double(td->add_output(), kLevelNames[i], kLevelDesc[i]);
      }
      break;
  }
  int top_version = 1;
  for (const auto& st : pipe->models()) top_version = std::max(top_version, st.specificationversion());
  top.set_specificationversion(top_version);
  return top;
}

// The guide's feature definitions differ from the app's (app contract section 4).
std::string guide_technique_description(const std::vector<AppInput>& ins) {
  static const std::map<std::string, std::string> kGuide = {
      {"dynamic_range", "dynamic_range = max(y)-min(y), linear"},
      {"stereo_width", "stereo_width = 1 - Pearson(L, R), 0 for mono"},
      {"spectrum_variance", "spectrum_variance = var(|STFT|), linear magnitude^2"},
      {"temporal_modulation", "temporal_modulation = max autocorrelation over 0.1-1 s lags, amplitude^2"},
      {"transient_strength", "transient_strength = mean onset strength, dB-difference units"},
      {"harmonic_ratio", "harmonic_ratio = sum|harmonic (HPSS)| / sum|y|, 0-1"}};
  std::string d = std::to_string(ins.size()) + " technique features in this order: ";
  for (std::size_t i = 0; i < ins.size(); ++i) {
    auto it = kGuide.find(ins[i].name);
    d += (i ? "; " : "") + (it != kGuide.end() ? it->second : ins[i].name);
  }
  return d;
}

// The guide's ct.TensorType list order (description order only; the concat keeps training order).
std::vector<AppInput> guide_description_order(AppModel am, std::vector<AppInput> ins) {
  if (am != AppModel::GenreClassifier) return ins;
  static const std::vector<std::string> kOrder = {"tempo", "spectral_centroid", "spectral_rolloff", "zero_crossing_rate",
                                                  "mfcc", "chroma", "rms", "spectral_flux", "spectral_contrast"};
  std::stable_sort(ins.begin(), ins.end(), [](const AppInput& a, const AppInput& b) {
    return std::find(kOrder.begin(), kOrder.end(), a.name) < std::find(kOrder.begin(), kOrder.end(), b.name);
  });
  return ins;
}

cml::Model guide_layout(const ModelSpec& spec, AppModel am, const CoreMLOptions& opt) {
  if (opt.updatable)
    if (auto why = updatable_refusal(am, CoreMLLayout::Guide))
      throw ParameterError("export of model '" + spec.name + "': " + *why + " (docs/export.md)");
  // The guide feeds TechniqueRecognizer one `features` [6] tensor and MixAnalyzer `spectrum`
  // [1024]; the other two get one tensor per ct.TensorType, joined by a concat layer.
  const bool single = am == AppModel::TechniqueRecognizer || am == AppModel::MixAnalyzer;
  const std::string in_name = am == AppModel::MixAnalyzer ? "spectrum" : "features";
  auto ins = ordered_inputs(am, spec, am == AppModel::TechniqueRecognizer);
  const std::int64_t n = total_size(ins);
  const bool heads = guide_mix_heads(am, spec, true);
  ModelSpec s = prepare(spec, am, in_name, n, spec_outputs(am, true, heads));
  const bool exact = am == AppModel::PatternGenerator;
  if (!single) {
    runtime::Layer join{runtime::LayerKind::Concat, "join_inputs", {}, "features", runtime::Activation::Linear, {}, 0, 0};
    for (const auto& in : ins) join.inputs.push_back(in.name);
    for (const auto& in : ins) s.inputs.push_back({in.name, {std::max<std::int64_t>(in.size, 1)}, in.description});
    s.inputs.erase(s.inputs.begin());
    s.layers.insert(s.layers.begin(), join);
  }
  cml::Model m;
  auto* net = m.mutable_neuralnetwork();
  NnOptions nopt{.exact_mapping = exact, .quantize_8bit = opt.quantize_8bit,
                 .updatable_dense_layers = opt.updatable ? opt.update.updatable_dense_layers : 0,
                 .update_target = am == AppModel::GenreClassifier ? "genre" : "techniques"};
  int version = append_layers(s, nopt, net->mutable_layers());
  if (exact) net->set_arrayinputshapemapping(cml::EXACT_ARRAY_MAPPING);
  auto* d = m.mutable_description();
  if (single) {
    const std::string desc = am == AppModel::MixAnalyzer ? ins[0].description : guide_technique_description(ins);
    set_array(d->add_input(), in_name, cml::ArrayFeatureType::FLOAT32, {n}, desc);
  } else {
    for (const auto& in : guide_description_order(am, ins)) add_app_input(d, in, true);
  }
  add_nn_outputs(d, am, true, heads);
  if (opt.updatable) add_update_params(m, net->mutable_layers(), net->mutable_updateparams(), am, opt.update);
  m.set_specificationversion(version);
  return m;
}

}  // namespace

std::string shape_text(const Shape& s) {
  std::string o = "[";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) o += ',';  // appended separately: GCC 12 warns (-Wrestrict) on "," + to_string
    o += std::to_string(s[i]);
  }
  return o + "]";
}

}  // namespace detail

std::string_view to_string(AppModel m) {
  switch (m) {
    case AppModel::GenreClassifier: return "GenreClassifier";
    case AppModel::TechniqueRecognizer: return "TechniqueRecognizer";
    case AppModel::PatternGenerator: return "PatternGenerator";
    case AppModel::MixAnalyzer: return "MixAnalyzer";
  }
  return "?";
}

AppModel parse_app_model(std::string_view name) {
  for (auto m : {AppModel::GenreClassifier, AppModel::TechniqueRecognizer, AppModel::PatternGenerator, AppModel::MixAnalyzer})
    if (name == to_string(m)) return m;
  throw ParameterError("app model '" + std::string(name) +
                       "' not one of GenreClassifier|TechniqueRecognizer|PatternGenerator|MixAnalyzer");
}

FeatureValue FeatureValue::of_double(double v) {
  FeatureValue f;
  f.type = Type::Double;
  f.d = v;
  return f;
}
FeatureValue FeatureValue::of_array(std::vector<std::int64_t> shape, std::vector<double> values) {
  FeatureValue f;
  f.type = Type::MultiArray;
  f.shape = std::move(shape);
  f.array = std::move(values);
  return f;
}

std::optional<std::string> updatable_refusal(AppModel m, CoreMLLayout layout) {
  const std::string lstm =
      "its network ends in LSTM, scale and squeeze layers, which Core ML's on-device update cannot back-propagate "
      "through (only innerProduct/convolution weights train, behind activation/softmax layers)";
  if (m == AppModel::PatternGenerator) return std::string(to_string(m)) + " cannot be updatable: " + lstm;
  if (layout == CoreMLLayout::App) {
    const std::string tail = m == AppModel::GenreClassifier       ? "an ArrayFeatureExtractor stage (the Double `confidence`)"
                             : m == AppModel::TechniqueRecognizer ? "20 ArrayFeatureExtractor stages (one Double per technique)"
                                                                  : "4 ArrayFeatureExtractor stages (the Double levels)";
    return std::string(to_string(m)) + " in the app layout cannot be updatable: Core ML lets only the last stage of a "
           "pipeline be updatable, and this pipeline ends in " + tail + "; the guide layout can be (docs/export.md)";
  }
  if (m == AppModel::MixAnalyzer)
    return std::string(to_string(m)) + " cannot be updatable: it has several regression heads on different targets, and a "
           "Core ML update takes one loss layer on one output";
  return std::nullopt;
}

std::vector<InputSlot> coreml_input_slots(const runtime::ModelSpec& spec, const CoreMLOptions& opt) {
  AppModel am = opt.model ? *opt.model : parse_app_model(spec.name);
  const bool guide = opt.layout == CoreMLLayout::Guide;
  auto ins = detail::ordered_inputs(am, spec, guide && am == AppModel::TechniqueRecognizer);
  std::vector<InputSlot> slots;
  if (am == AppModel::MixAnalyzer || (guide && am == AppModel::TechniqueRecognizer)) {
    slots.push_back({am == AppModel::MixAnalyzer ? "spectrum" : "features", detail::total_size(ins), false});
    return slots;
  }
  for (const auto& in : ins) slots.push_back({in.name, std::max<std::int64_t>(in.size, 1), in.size == 0 && !guide});
  return slots;
}

FeatureMap coreml_inputs(const std::vector<InputSlot>& slots, const std::vector<double>& row) {
  std::int64_t n = 0;
  for (const auto& s : slots) n += s.size;
  if (static_cast<std::int64_t>(row.size()) != n)
    throw ParameterError("a feature row of " + std::to_string(row.size()) + " values does not fit the model's " +
                         std::to_string(n) + " inputs");
  FeatureMap fm;
  std::size_t at = 0;
  for (const auto& s : slots) {
    if (s.is_double)
      fm[s.name] = FeatureValue::of_double(row[at]);
    else
      fm[s.name] = FeatureValue::of_array({s.size}, {row.begin() + at, row.begin() + at + s.size});
    at += s.size;
  }
  return fm;
}

void export_coreml(const runtime::ModelSpec& spec, const std::filesystem::path& out, const CoreMLOptions& opt) {
  AppModel am = opt.model ? *opt.model : parse_app_model(spec.name);
  if (opt.updatable && opt.quantize_8bit)
    throw ParameterError("export of model '" + spec.name + "': updatable layers cannot have 8-bit quantized weights "
                         "(Core ML updates float weights only); export the updatable variant without --quantize");
  detail::cml::Model m = opt.layout == CoreMLLayout::App ? detail::app_layout(spec, am, opt) : detail::guide_layout(spec, am, opt);
  detail::set_metadata(m, spec, am, opt);
  std::string bytes;
  if (!m.SerializeToString(&bytes)) throw IoError(out, "protobuf serialisation failed");
  write_file_atomic(out, bytes);
}

}  // namespace echoelml::exporter
