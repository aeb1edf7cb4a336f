// Core ML validation rules as listed in ../shared/docs/app-contract.md (from Apple's
// Validation/*.cpp), for the model types echoelml writes, plus stricter pipeline checks.
#include <algorithm>
#include <set>

#include "mlprogram_internal.h"
#include "coreml_internal.h"
#include "echoelml/core/error.h"
#include "echoelml/export/coreml.h"

namespace echoelml::exporter {
namespace detail {
namespace {

using FD = cml::FeatureDescription;
using RepFD = google::protobuf::RepeatedPtrField<FD>;

struct Ctx {
  std::vector<std::string>* errors;
  void err(const std::string& where, const std::string& what) const { errors->push_back(where + ": " + what); }
};

bool is_array(const FD& f) { return f.type().has_multiarraytype(); }
const FD* find(const RepFD& fs, const std::string& name) {
  for (const auto& f : fs)
    if (f.name() == name) return &f;
  return nullptr;
}
std::int64_t array_size(const FD& f) {
  std::int64_t n = 1;
  for (auto d : f.type().multiarraytype().shape()) n *= d;
  return n;
}

// Comparison.cpp isEquivalent: same name and type case; arrays: dtype, rank, shape; dict key.
bool equivalent(const FD& a, const FD& b) {
  if (a.name() != b.name() || a.type().Type_case() != b.type().Type_case()) return false;
  if (is_array(a)) {
    const auto &x = a.type().multiarraytype(), &y = b.type().multiarraytype();
    return x.datatype() == y.datatype() && x.shape_size() == y.shape_size() &&
           std::equal(x.shape().begin(), x.shape().end(), y.shape().begin());
  }
  if (a.type().has_dictionarytype())
    return a.type().dictionarytype().KeyType_case() == b.type().dictionarytype().KeyType_case();
  return true;
}

void validate_feature(const Ctx& c, const std::string& w, const FD& f, bool input, int version) {
  if (f.name().empty()) c.err(w, "a feature has an empty name");
  const auto& t = f.type();
  switch (t.Type_case()) {
    case cml::FeatureType::kDoubleType:
    case cml::FeatureType::kInt64Type:
    case cml::FeatureType::kStringType: break;
    case cml::FeatureType::kMultiArrayType: {
      const auto& a = t.multiarraytype();
      auto dt = a.datatype();
      if (dt == cml::ArrayFeatureType::FLOAT16 && version < 7) c.err(w, "'" + f.name() + "': FLOAT16 needs spec >= 7");
      else if (dt == cml::ArrayFeatureType::INT8 && version < 10) c.err(w, "'" + f.name() + "': INT8 needs spec >= 10");
      else if (dt != cml::ArrayFeatureType::DOUBLE && dt != cml::ArrayFeatureType::FLOAT32 &&
               dt != cml::ArrayFeatureType::INT32 && dt != cml::ArrayFeatureType::FLOAT16 && dt != cml::ArrayFeatureType::INT8)
        c.err(w, "'" + f.name() + "': MultiArray dataType must be DOUBLE, FLOAT32 or INT32");
      if (input && a.shape_size() == 0 && a.ShapeFlexibility_case() == cml::ArrayFeatureType::SHAPEFLEXIBILITY_NOT_SET)
        c.err(w, "input '" + f.name() + "': MultiArray input needs a shape");
      for (auto d : a.shape())
        if (d < 0) c.err(w, "'" + f.name() + "': negative dimension");
      break;
    }
    case cml::FeatureType::kDictionaryType:
      if (t.dictionarytype().KeyType_case() == cml::DictionaryFeatureType::KEYTYPE_NOT_SET)
        c.err(w, "'" + f.name() + "': Dictionary needs a key type");
      break;
    default: c.err(w, "'" + f.name() + "': feature type missing or not supported");
  }
}

int required_nn_version(const google::protobuf::RepeatedPtrField<cml::NeuralNetworkLayer>& layers, bool exact) {
  int v = exact ? 4 : 1;
  for (const auto& l : layers) {
    if (l.isupdatable()) v = std::max(v, 4);
    if (l.has_tile() || l.has_squeeze() || l.has_expanddims() || l.has_concatnd()) v = std::max(v, 4);
    auto q = [&](const cml::WeightParams& w) { if (!w.rawvalue().empty()) v = std::max(v, 3); };
    if (l.has_innerproduct()) { q(l.innerproduct().weights()); q(l.innerproduct().bias()); }
    if (l.has_unidirectionallstm()) q(l.unidirectionallstm().weightparams().inputgateweightmatrix());
  }
  return v;
}

void validate_weights(const Ctx& c, const std::string& w, const cml::WeightParams& p, std::size_t count) {
  try {
    weight_values(p, count, w);
  } catch (const ParameterError& e) {
    c.errors->push_back(e.what());
  }
}

template <typename Net>
void validate_nn(const Ctx& c, const std::string& w, const cml::Model& m, const Net& net, int kind /*0 nn,1 cls,2 reg*/) {
  const auto& d = m.description();
  const bool exact = net.arrayinputshapemapping() == cml::EXACT_ARRAY_MAPPING;
  std::set<std::string> blobs, names;
  for (const auto& in : d.input()) {
    if (!is_array(in)) c.err(w, "Neural Networks require inputs to be images, MLMultiArray, or State ('" + in.name() + "')");
    else if (!exact && in.type().multiarraytype().shape_size() != 1 && in.type().multiarraytype().shape_size() != 3)
      c.err(w, "input '" + in.name() + "': legacy (rank-5) mapping needs rank 1 or 3 inputs");
    blobs.insert(in.name());
  }
  for (const auto& l : net.layers()) {
    const std::string lw = w + " layer '" + l.name() + "'";
    if (!names.insert(l.name()).second) c.err(lw, "layer name used more than once");
    for (const auto& i : l.input())
      if (!blobs.count(i)) c.err(lw, "input blob '" + i + "' is not produced before this layer");
    for (const auto& o : l.output())
      if (!blobs.insert(o).second) c.err(lw, "output blob '" + o + "' is produced twice");
    if (l.layer_case() == cml::NeuralNetworkLayer::LAYER_NOT_SET) c.err(lw, "layer type missing or not supported");
    if (l.has_innerproduct()) {
      const auto& ip = l.innerproduct();
      validate_weights(c, lw + " weights", ip.weights(), ip.inputchannels() * ip.outputchannels());
      if (ip.hasbias()) validate_weights(c, lw + " bias", ip.bias(), ip.outputchannels());
    }
    if (l.has_unidirectionallstm()) {
      const auto& u = l.unidirectionallstm();
      if (l.input_size() != 1 && l.input_size() != 3) c.err(lw, "LSTM needs 1 or 3 inputs");
      if (l.output_size() != 1 && l.output_size() != 3) c.err(lw, "LSTM needs 1 or 3 outputs");
      if (u.activations_size() != 3) c.err(lw, "LSTM needs 3 activations");
      const auto& p = u.weightparams();
      std::size_t H = u.outputvectorsize(), X = u.inputvectorsize();
      for (const auto* x : {&p.inputgateweightmatrix(), &p.forgetgateweightmatrix(), &p.blockinputweightmatrix(), &p.outputgateweightmatrix()})
        validate_weights(c, lw + " input matrix", *x, H * X);
      for (const auto* x : {&p.inputgaterecursionmatrix(), &p.forgetgaterecursionmatrix(), &p.blockinputrecursionmatrix(), &p.outputgaterecursionmatrix()})
        validate_weights(c, lw + " recursion matrix", *x, H * H);
      if (u.params().hasbiasvectors())
        for (const auto* x : {&p.inputgatebiasvector(), &p.forgetgatebiasvector(), &p.blockinputbiasvector(), &p.outputgatebiasvector()})
          validate_weights(c, lw + " bias", *x, H);
    }
    if (l.has_scale()) {
      std::size_t n = 1;
      for (auto s : l.scale().shapescale()) n *= s;
      validate_weights(c, lw + " scale", l.scale().scale(), n);
    }
    if (l.isupdatable() && !l.has_innerproduct()) c.err(lw, "only innerProduct layers are updatable here");
    if (l.isupdatable() && l.has_innerproduct() &&
        (l.innerproduct().weights().has_quantization() || l.innerproduct().bias().has_quantization()))
      c.err(lw, "updatable layers cannot have quantized weights");
  }
  int need = required_nn_version(net.layers(), exact);
  if (m.specificationversion() < need)
    c.err(w, "specificationVersion " + std::to_string(m.specificationversion()) + " is below the " + std::to_string(need) +
                 " its layers/mapping need");
  if (!exact)
    for (const auto& l : net.layers())
      if (l.has_tile() || l.has_squeeze() || l.has_expanddims() || l.has_concatnd())
        c.err(w + " layer '" + l.name() + "'", "spec-4 layers require arrayInputShapeMapping = EXACT_ARRAY_MAPPING");
  for (const auto& o : d.output()) {
    if (kind == 0 && !is_array(o)) c.err(w, "a neuralNetwork may only output MultiArray ('" + o.name() + "')");
    bool special = kind == 1 && (o.name() == d.predictedfeaturename() || o.name() == d.predictedprobabilitiesname());
    if (kind != 2 && !special && !blobs.count(o.name())) c.err(w, "output '" + o.name() + "' is not produced by any layer");
  }
  if (kind == 2) {
    const FD* p = find(d.output(), d.predictedfeaturename());
    if (d.predictedfeaturename().empty() || !p) c.err(w, "regressor needs predictedFeatureName naming an output");
    else if (!p->type().has_doubletype() && !is_array(*p)) c.err(w, "regressor prediction must be Double or MultiArray");
  }
  if constexpr (std::is_same_v<Net, cml::NeuralNetworkClassifier>) {
    bool s = net.has_stringclasslabels(), i = net.has_int64classlabels();
    if (!s && !i) c.err(w, "classifier needs stringClassLabels or int64ClassLabels");
    if (s && net.stringclasslabels().vector_size() == 0) c.err(w, "classifier labels are empty");
    if (i && net.int64classlabels().vector_size() == 0) c.err(w, "classifier labels are empty");
    const FD* p = find(d.output(), d.predictedfeaturename());
    if (d.predictedfeaturename().empty() || !p) c.err(w, "classifier needs predictedFeatureName naming an output");
    else if (s && !p->type().has_stringtype()) c.err(w, "predicted feature must be String for string labels");
    else if (i && !p->type().has_int64type()) c.err(w, "predicted feature must be Int64 for int64 labels");
    if (!d.predictedprobabilitiesname().empty()) {
      const FD* q = find(d.output(), d.predictedprobabilitiesname());
      if (!q) c.err(w, "predictedProbabilitiesName names no output");
      else if (!q->type().has_dictionarytype() && !is_array(*q)) c.err(w, "probabilities output must be a Dictionary");
    }
    if (!net.labelprobabilitylayername().empty() && !blobs.count(net.labelprobabilitylayername()))
      c.err(w, "labelProbabilityLayerName '" + net.labelprobabilitylayername() + "' is not a produced blob");
  }
  if (m.isupdatable()) {
    if (m.specificationversion() < 4) c.err(w, "updatable models need spec >= 4");
    const auto& up = net.updateparams();
    if (up.losslayers_size() == 0) c.err(w, "updatable network needs a loss layer");
    if (up.optimizer().OptimizerType_case() == cml::Optimizer::OPTIMIZERTYPE_NOT_SET) c.err(w, "updatable network needs an optimizer");
    if (up.epochs().defaultvalue() <= 0) c.err(w, "updatable network needs epochs > 0");
    if (std::none_of(net.layers().begin(), net.layers().end(), [](const auto& l) { return l.isupdatable(); }))
      c.err(w, "updatable network has no updatable layer");
    for (const auto& loss : up.losslayers()) {
      std::string in = loss.has_categoricalcrossentropylosslayer() ? loss.categoricalcrossentropylosslayer().input()
                                                                   : loss.meansquarederrorlosslayer().input();
      std::string tg = loss.has_categoricalcrossentropylosslayer() ? loss.categoricalcrossentropylosslayer().target()
                                                                   : loss.meansquarederrorlosslayer().target();
      if (!blobs.count(in)) c.err(w, "loss input '" + in + "' is not a produced blob");
      if (!find(d.traininginput(), tg)) c.err(w, "loss target '" + tg + "' is not a training input");
      if (loss.has_categoricalcrossentropylosslayer() &&
          std::none_of(net.layers().begin(), net.layers().end(), [&](const auto& l) {
            return l.has_softmax() && l.output_size() == 1 && l.output(0) == in;
          }))
        c.err(w, "categorical cross-entropy loss input '" + in + "' must be the output of a softmax layer");
      // (strict) every updatable layer must lie upstream of the loss, or the update cannot reach it.
      std::set<std::string> needed{in}, upstream;
      for (auto it = net.layers().rbegin(); it != net.layers().rend(); ++it)
        if (std::any_of(it->output().begin(), it->output().end(), [&](const std::string& o) { return needed.count(o) > 0; })) {
          upstream.insert(it->name());
          needed.insert(it->input().begin(), it->input().end());
        }
      for (const auto& l : net.layers())
        if (l.isupdatable() && !upstream.count(l.name()))
          c.err(w + " layer '" + l.name() + "'", "(strict) updatable layer does not feed the loss input '" + in + "'");
    }
  }
}

int validate_model(const Ctx& c, const std::string& w, const cml::Model& m);

int validate_pipeline(const Ctx& c, const std::string& w, const cml::Model& m, const cml::Pipeline& p) {
  const auto& d = m.description();
  if (p.models_size() == 0) c.err(w, "pipeline has no models");
  if (p.names_size() != 0) {
    if (p.names_size() != p.models_size()) c.err(w, "pipeline names must give one name per model");
    std::set<std::string> seen;
    for (const auto& n : p.names())
      if (!seen.insert(n).second) c.err(w, "pipeline name '" + n + "' used twice");
  }
  std::map<std::string, FD> table;
  for (const auto& in : d.input()) table[in.name()] = in;
  int need = 1;
  for (int i = 0; i < p.models_size(); ++i) {
    const auto& st = p.models(i);
    std::string sw = w + "/" + (i < p.names_size() ? p.names(i) : "stage" + std::to_string(i));
    for (const auto& in : st.description().input()) {
      auto it = table.find(in.name());
      if (it == table.end()) c.err(sw, "input '" + in.name() + "' is neither a pipeline input nor an earlier output");
      else if (!equivalent(in, it->second)) c.err(sw, "input '" + in.name() + "' TYPE_MISMATCH with its source");
    }
    need = std::max(need, validate_model(c, sw, st));
    for (const auto& o : st.description().output()) table[o.name()] = o;
    if (st.isupdatable() && (i + 1 != p.models_size() || !m.isupdatable()))
      c.err(sw, "only the last stage of an updatable pipeline may be updatable");
  }
  if (m.isupdatable() && p.models_size() > 0 && !p.models(p.models_size() - 1).isupdatable())
    c.err(w, "an updatable pipeline needs an updatable last stage");
  for (const auto& o : d.output()) {
    auto it = table.find(o.name());
    if (it == table.end()) c.err(w, "output '" + o.name() + "' is produced by no stage");
    else if (!equivalent(o, it->second)) c.err(w, "output '" + o.name() + "' TYPE_MISMATCH with the stage that produces it");
  }
  return need;
}

int validate_model(const Ctx& c, const std::string& w, const cml::Model& m) {
  const int v = m.specificationversion();
  const auto& d = m.description();
  if (v <= 0) c.err(w, "Model specification version field missing or corrupt.");
  for (const auto& f : d.input()) validate_feature(c, w, f, true, v);
  for (const auto& f : d.output()) {
    validate_feature(c, w, f, false, v);
    if (f.type().isoptional()) c.err(w, "output '" + f.name() + "' must not be optional");
  }
  if (d.output_size() == 0) c.err(w, "model needs at least one output");
  const bool nn_like = m.has_neuralnetwork() || m.has_neuralnetworkclassifier() || m.has_neuralnetworkregressor() ||
                       m.has_mlprogram() || m.has_pipeline() || m.has_pipelineclassifier() || m.has_pipelineregressor();
  if (d.input_size() == 0 && !(nn_like && v >= 9)) c.err(w, "model needs at least one input");
  bool any_optional = std::any_of(d.input().begin(), d.input().end(), [](const FD& f) { return f.type().isoptional(); });
  if (any_optional && !nn_like) c.err(w, "optional inputs are not allowed for this model type");
  int need = 1;
  switch (m.Type_case()) {
    case cml::Model::kPipeline: need = validate_pipeline(c, w, m, m.pipeline()); break;
    case cml::Model::kPipelineClassifier: need = validate_pipeline(c, w, m, m.pipelineclassifier().pipeline()); break;
    case cml::Model::kPipelineRegressor: need = validate_pipeline(c, w, m, m.pipelineregressor().pipeline()); break;
    case cml::Model::kNeuralNetwork: validate_nn(c, w, m, m.neuralnetwork(), 0); need = required_nn_version(m.neuralnetwork().layers(), m.neuralnetwork().arrayinputshapemapping() == cml::EXACT_ARRAY_MAPPING); break;
    case cml::Model::kNeuralNetworkClassifier: validate_nn(c, w, m, m.neuralnetworkclassifier(), 1); need = required_nn_version(m.neuralnetworkclassifier().layers(), false); break;
    case cml::Model::kNeuralNetworkRegressor: validate_nn(c, w, m, m.neuralnetworkregressor(), 2); break;
    case cml::Model::kFeatureVectorizer: {
      for (const auto& f : d.input())
        if (!f.type().has_int64type() && !f.type().has_doubletype() && !is_array(f) && !f.type().has_dictionarytype())
          c.err(w, "FeatureVectorizer input '" + f.name() + "' must be Int64, Double, MultiArray or Dictionary");
      if (d.output_size() != 1 || !is_array(d.output(0))) c.err(w, "FeatureVectorizer needs exactly one MultiArray output");
      std::int64_t sum = 0;
      for (const auto& col : m.featurevectorizer().inputlist()) {
        if (col.inputdimensions() == 0) c.err(w, "inputDimensions of '" + col.inputcolumn() + "' must be > 0");
        sum += col.inputdimensions();
        const FD* f = find(d.input(), col.inputcolumn());
        if (!f) c.err(w, "(strict) inputColumn '" + col.inputcolumn() + "' is not an input");
        else {
          std::int64_t real = is_array(*f) ? array_size(*f) : 1;
          if (real != static_cast<std::int64_t>(col.inputdimensions()))
            c.err(w, "(strict) inputDimensions of '" + col.inputcolumn() + "' is " + std::to_string(col.inputdimensions()) + ", feature has " + std::to_string(real));
        }
      }
      if (d.output_size() == 1 && is_array(d.output(0)) && array_size(d.output(0)) != sum)
        c.err(w, "(strict) output size " + std::to_string(array_size(d.output(0))) + " != sum of inputDimensions " + std::to_string(sum));
      break;
    }
    case cml::Model::kArrayFeatureExtractor: {
      const auto& idx = m.arrayfeatureextractor().extractindex();
      if (d.input_size() != 1 || !is_array(d.input(0))) c.err(w, "ArrayFeatureExtractor needs exactly one MultiArray input");
      if (d.output_size() != 1) c.err(w, "ArrayFeatureExtractor needs exactly one output");
      else {
        const auto& o = d.output(0);
        if (!o.type().has_doubletype() && !o.type().has_int64type() && !is_array(o))
          c.err(w, "ArrayFeatureExtractor output must be Double, Int64 or MultiArray");
        if (o.type().has_doubletype() && idx.size() != 1) c.err(w, "a Double output needs exactly one extractIndex");
      }
      if (d.input_size() == 1 && is_array(d.input(0)))
        for (auto i : idx)
          if (static_cast<std::int64_t>(i) >= array_size(d.input(0))) c.err(w, "(strict) extractIndex " + std::to_string(i) + " out of range");
      break;
    }
    case cml::Model::kGlmRegressor: {
      const auto& g = m.glmregressor();
      const FD* p = find(d.output(), d.predictedfeaturename());
      if (!p) c.err(w, "GLMRegressor needs predictedFeatureName naming an output");
      for (const auto& o : d.output())
        if (!o.type().has_doubletype()) c.err(w, "GLMRegressor outputs must be Double");
      for (const auto& f : d.input())
        if (!f.type().has_doubletype() && !f.type().has_int64type() && !is_array(f)) c.err(w, "GLMRegressor input must be Double, Int64 or MultiArray");
      if (g.weights_size() != g.offset_size()) c.err(w, "GLMRegressor #weights != #offset");
      for (const auto& r : g.weights())
        if (r.value_size() != g.weights(0).value_size()) c.err(w, "GLMRegressor weight rows differ in length");
      break;
    }
    case cml::Model::kMlProgram: need = 6; break;
    default: c.err(w, "model type missing or not supported by echoelml's validator");
  }
  if (m.isupdatable()) need = std::max(need, 4);
  if (v > 0 && v < need) c.err(w, "specificationVersion " + std::to_string(v) + " is below the " + std::to_string(need) + " its content needs");
  return std::max(need, v);
}

}  // namespace
}  // namespace detail

ValidationReport validate_coreml(const std::filesystem::path& path) {
  auto m = detail::read_model(path);
  ValidationReport r;
  detail::Ctx c{&r.errors};
  detail::validate_model(c, path.filename().string(), m);
  // ML Program rules (tensor-only I/O, ops, blob references into weight.bin) live with the writer.
  if (m.has_mlprogram()) detail::validate_mlprogram(m, path, path.filename().string(), &r.errors);
  return r;
}

}  // namespace echoelml::exporter
