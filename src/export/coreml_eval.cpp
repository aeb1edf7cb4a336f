// A small Core ML interpreter for the model types and layers echoelml writes, so that exported
// files can be checked against runtime::evaluate without a Mac. It follows Core ML's layer
// definitions (separate LSTM gate matrices, legacy channel axis, N-D squeeze ...), not the
// ModelSpec code path.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "coreml_internal.h"
#include "echoelml/core/error.h"
#include "echoelml/export/coreml.h"
#include "mlprogram_internal.h"

namespace echoelml::exporter {
namespace detail {


namespace {

struct Blob {
  Shape shape;
  std::vector<double> v;
};

std::int64_t count(const Shape& s) { return std::accumulate(s.begin(), s.end(), std::int64_t{1}, std::multiplies<>()); }

[[noreturn]] void bad(const std::string& w, const std::string& what) { throw ParameterError(w + ": " + what); }

// Channel axis: [C] and [C,H,W] -> 0; [S,B,C,H,W] (and other N-D ranks >= 3) -> rank-3.
std::size_t ch_axis(const Blob& b) { return b.shape.size() <= 3 ? 0 : b.shape.size() - 3; }

struct Split {
  std::int64_t outer, c, inner;
};
Split split(const Blob& b, std::size_t axis) {
  Split s{1, b.shape.at(axis), 1};
  for (std::size_t i = 0; i < axis; ++i) s.outer *= b.shape[i];
  for (std::size_t i = axis + 1; i < b.shape.size(); ++i) s.inner *= b.shape[i];
  return s;
}

double act(const cml::ActivationParams& a, double x, const std::string& w) {
  switch (a.NonlinearityType_case()) {
    case cml::ActivationParams::kLinear: return a.linear().alpha() * x + a.linear().beta();
    case cml::ActivationParams::kReLU: return x > 0 ? x : 0;
    case cml::ActivationParams::kTanh: return std::tanh(x);
    case cml::ActivationParams::kSigmoid: return 1.0 / (1.0 + std::exp(-x));
    default: bad(w, "unsupported activation");
  }
}

Blob inner_product(const cml::InnerProductLayerParams& p, const Blob& x, const std::string& w) {
  const std::size_t ax = ch_axis(x);
  Split s = split(x, ax);
  if (s.inner != 1) bad(w, "innerProduct needs H = W = 1");
  const std::size_t I = p.inputchannels(), O = p.outputchannels();
  if (static_cast<std::size_t>(s.c) != I) bad(w, "innerProduct expects " + std::to_string(I) + " channels, got " + std::to_string(s.c));
  auto W = weight_values(p.weights(), I * O, w + " weights");
  auto b = p.hasbias() ? weight_values(p.bias(), O, w + " bias") : std::vector<float>(O, 0.0f);
  Blob y{x.shape, std::vector<double>(s.outer * O)};
  y.shape[ax] = static_cast<std::int64_t>(O);
  for (std::int64_t r = 0; r < s.outer; ++r)
    for (std::size_t o = 0; o < O; ++o) {
      double acc = b[o];
      for (std::size_t i = 0; i < I; ++i) acc += static_cast<double>(W[o * I + i]) * x.v[r * I + i];
      y.v[r * O + o] = static_cast<float>(acc);  // Core ML keeps blobs in float
    }
  return y;
}

Blob lstm(const cml::UniDirectionalLSTMLayerParams& p, const Blob& x, Blob* h_out, Blob* c_out, const std::string& where) {
  const std::string& w = where;
  if (x.shape.size() != 5 || x.shape[1] != 1 || x.shape[3] != 1 || x.shape[4] != 1)
    bad(w, "LSTM input must be [Seq,1,C,1,1], got " + shape_text(x.shape));
  const std::size_t S = x.shape[0], X = p.inputvectorsize(), H = p.outputvectorsize();
  if (static_cast<std::size_t>(x.shape[2]) != X) bad(w, "LSTM input size mismatch");
  if (p.activations_size() != 3) bad(w, "LSTM needs 3 activations");
  const auto& wp = p.weightparams();
  const cml::WeightParams* W[4] = {&wp.inputgateweightmatrix(), &wp.forgetgateweightmatrix(), &wp.blockinputweightmatrix(), &wp.outputgateweightmatrix()};
  const cml::WeightParams* R[4] = {&wp.inputgaterecursionmatrix(), &wp.forgetgaterecursionmatrix(), &wp.blockinputrecursionmatrix(), &wp.outputgaterecursionmatrix()};
  const cml::WeightParams* B[4] = {&wp.inputgatebiasvector(), &wp.forgetgatebiasvector(), &wp.blockinputbiasvector(), &wp.outputgatebiasvector()};
  std::vector<float> wx[4], r[4], b[4];
  for (int g = 0; g < 4; ++g) {
    wx[g] = weight_values(*W[g], H * X, w_name(w, g));
    r[g] = weight_values(*R[g], H * H, w_name(w, g));
    b[g] = p.params().hasbiasvectors() ? weight_values(*B[g], H, w_name(w, g)) : std::vector<float>(H, 0.0f);
  }
  std::vector<double> h(H, 0.0), c(H, 0.0), z(4 * H);
  Blob y{{static_cast<std::int64_t>(p.params().sequenceoutput() ? S : 1), 1, static_cast<std::int64_t>(H), 1, 1}, {}};
  for (std::size_t t = 0; t < S; ++t) {
    const double* xt = &x.v[t * X];
    for (int g = 0; g < 4; ++g)
      for (std::size_t k = 0; k < H; ++k) {
        double acc = b[g][k];
        for (std::size_t i = 0; i < X; ++i) acc += static_cast<double>(wx[g][k * X + i]) * xt[i];
        for (std::size_t j = 0; j < H; ++j) acc += static_cast<double>(r[g][k * H + j]) * h[j];
        z[g * H + k] = acc;
      }
    // Core ML: i = f(.), f = f(.), z = g(.), o = f(.); c = f*c + i*z; h = o * h(c)
    for (std::size_t k = 0; k < H; ++k) {
      double ig = act(p.activations(0), z[k], w), fg = act(p.activations(0), z[H + k], w);
      double bz = act(p.activations(1), z[2 * H + k], w), og = act(p.activations(0), z[3 * H + k], w);
      c[k] = static_cast<float>(fg * c[k] + ig * bz);
      h[k] = static_cast<float>(og * act(p.activations(2), c[k], w));
    }
    if (p.params().sequenceoutput() || t + 1 == S) y.v.insert(y.v.end(), h.begin(), h.end());
  }
  *h_out = Blob{{1, 1, static_cast<std::int64_t>(H), 1, 1}, h};
  *c_out = Blob{{1, 1, static_cast<std::int64_t>(H), 1, 1}, c};
  return y;
}

}  // namespace

std::string w_name(const std::string& w, int gate) { return w + " gate " + std::to_string(gate); }

namespace {

template <typename Net>
FeatureMap run_nn(const cml::Model& m, const Net& net, const FeatureMap& in, const std::string& w) {
  const bool exact = net.arrayinputshapemapping() == cml::EXACT_ARRAY_MAPPING;
  std::map<std::string, Blob> blobs;
  for (const auto& d : m.description().input()) {
    const auto& f = in.at(d.name());
    blobs[d.name()] = Blob{f.shape, f.array};
  }
  for (const auto& l : net.layers()) {
    const std::string lw = w + " layer '" + l.name() + "'";
    auto get = [&](int i) -> const Blob& {
      auto it = blobs.find(l.input(i));
      if (it == blobs.end()) bad(lw, "blob '" + l.input(i) + "' not computed");
      return it->second;
    };
    const Blob& x = get(0);
    Blob y;
    switch (l.layer_case()) {
      case cml::NeuralNetworkLayer::kInnerProduct: y = inner_product(l.innerproduct(), x, lw); break;
      case cml::NeuralNetworkLayer::kActivation:
        y = x;
        for (double& v : y.v) v = static_cast<float>(act(l.activation(), v, lw));
        break;
      case cml::NeuralNetworkLayer::kSoftmax: {
        y = x;
        Split s = split(x, ch_axis(x));
        for (std::int64_t o = 0; o < s.outer; ++o)
          for (std::int64_t i = 0; i < s.inner; ++i) {
            auto at = [&](std::int64_t k) -> double& { return y.v[(o * s.c + k) * s.inner + i]; };
            double mx = -INFINITY, sum = 0;
            for (std::int64_t k = 0; k < s.c; ++k) mx = std::max(mx, at(k));
            for (std::int64_t k = 0; k < s.c; ++k) sum += std::exp(at(k) - mx);
            for (std::int64_t k = 0; k < s.c; ++k) at(k) = static_cast<float>(std::exp(at(k) - mx) / sum);
          }
        break;
      }
      case cml::NeuralNetworkLayer::kScale: {
        const auto& p = l.scale();
        Split s = split(x, ch_axis(x));
        std::size_t ns = 1, nb = 1;
        for (auto d : p.shapescale()) ns *= d;
        for (auto d : p.shapebias()) nb *= d;
        if (ns != 1 && static_cast<std::int64_t>(ns) != s.c) bad(lw, "shapeScale does not match the channels");
        auto sc = weight_values(p.scale(), ns, lw);
        auto bi = p.hasbias() ? weight_values(p.bias(), nb, lw) : std::vector<float>{0.0f};
        y = x;
        for (std::int64_t o = 0; o < s.outer; ++o)
          for (std::int64_t k = 0; k < s.c; ++k)
            for (std::int64_t i = 0; i < s.inner; ++i) {
              double& v = y.v[(o * s.c + k) * s.inner + i];
              v = static_cast<float>(v * sc[ns == 1 ? 0 : k] + bi[bi.size() == 1 ? 0 : k]);
            }
        break;
      }
      case cml::NeuralNetworkLayer::kReduce: {
        if (l.reduce().mode() != cml::ReduceLayerParams::MAX || l.reduce().axis() != cml::ReduceLayerParams::C)
          bad(lw, "only reduce MAX over C is supported");
        Split s = split(x, ch_axis(x));
        y.shape = x.shape;
        y.shape[ch_axis(x)] = 1;
        y.v.assign(s.outer * s.inner, -INFINITY);
        for (std::int64_t o = 0; o < s.outer; ++o)
          for (std::int64_t k = 0; k < s.c; ++k)
            for (std::int64_t i = 0; i < s.inner; ++i) y.v[o * s.inner + i] = std::max(y.v[o * s.inner + i], x.v[(o * s.c + k) * s.inner + i]);
        break;
      }
      case cml::NeuralNetworkLayer::kConcat:
      case cml::NeuralNetworkLayer::kConcatND: {
        std::int64_t axis = ch_axis(x);
        if (l.has_concatnd()) axis = l.concatnd().axis() < 0 ? l.concatnd().axis() + x.shape.size() : l.concatnd().axis();
        y.shape = x.shape;
        y.shape[axis] = 0;
        for (int i = 0; i < l.input_size(); ++i) y.shape[axis] += get(i).shape.at(axis);
        Split so = split(Blob{y.shape, {}}, axis);
        y.v.assign(count(y.shape), 0.0);
        std::int64_t off = 0;
        for (int i = 0; i < l.input_size(); ++i) {
          Split si = split(get(i), axis);
          for (std::int64_t o = 0; o < si.outer; ++o)
            std::copy_n(&get(i).v[o * si.c * si.inner], si.c * si.inner, &y.v[(o * so.c + off) * so.inner]);
          off += si.c;
        }
        break;
      }
      case cml::NeuralNetworkLayer::kUniDirectionalLSTM: {
        Blob h, c;
        y = lstm(l.unidirectionallstm(), x, &h, &c, lw);
        if (l.output_size() == 3) {
          blobs[l.output(1)] = h;
          blobs[l.output(2)] = c;
        }
        break;
      }
      case cml::NeuralNetworkLayer::kExpandDims: {
        std::size_t r = x.shape.size() + l.expanddims().axes_size();
        std::vector<bool> is_new(r, false);
        for (auto a : l.expanddims().axes()) is_new.at(a < 0 ? a + r : a) = true;
        y.v = x.v;
        for (std::size_t i = 0, j = 0; i < r; ++i) y.shape.push_back(is_new[i] ? 1 : x.shape.at(j++));
        break;
      }
      case cml::NeuralNetworkLayer::kTile: {
        const auto& reps = l.tile().reps();
        if (static_cast<std::size_t>(reps.size()) != x.shape.size()) bad(lw, "tile reps must match the rank");
        y = x;
        for (std::size_t a = 0; a < x.shape.size(); ++a) {
          if (reps[a] == 1) continue;
          Split s = split(y, a);
          Blob t{y.shape, {}};
          t.shape[a] *= reps[a];
          for (std::int64_t o = 0; o < s.outer; ++o)
            for (std::uint64_t r = 0; r < reps[a]; ++r)
              t.v.insert(t.v.end(), y.v.begin() + o * s.c * s.inner, y.v.begin() + (o + 1) * s.c * s.inner);
          y = std::move(t);
        }
        break;
      }
      case cml::NeuralNetworkLayer::kSqueeze: {
        y.v = x.v;
        std::vector<bool> drop(x.shape.size(), false);
        for (auto a : l.squeeze().axes()) drop.at(a < 0 ? a + x.shape.size() : a) = true;
        for (std::size_t i = 0; i < x.shape.size(); ++i) {
          if (l.squeeze().squeezeall()) drop[i] = x.shape[i] == 1;
          if (drop[i] && x.shape[i] != 1) bad(lw, "squeeze of an axis with size " + std::to_string(x.shape[i]));
          if (!drop[i]) y.shape.push_back(x.shape[i]);
        }
        break;
      }
      default: bad(lw, "layer type not supported by the echoelml evaluator");
    }
    blobs[l.output(0)] = std::move(y);
  }
  FeatureMap out;
  const auto& d = m.description();
  std::string prob_blob;
  if constexpr (std::is_same_v<Net, cml::NeuralNetworkClassifier>) prob_blob = net.labelprobabilitylayername();
  for (const auto& o : d.output()) {
    if constexpr (std::is_same_v<Net, cml::NeuralNetworkClassifier>) {
      if (o.name() == d.predictedfeaturename() || o.name() == d.predictedprobabilitiesname()) {
        const Blob& p = blobs.at(prob_blob.empty() ? net.layers(net.layers_size() - 1).output(0) : prob_blob);
        const auto& labels = net.stringclasslabels().vector();
        if (static_cast<std::int64_t>(labels.size()) != count(p.shape)) bad(w, "label count does not match the probability blob");
        FeatureValue f;
        if (o.name() == d.predictedfeaturename()) {
          f.type = FeatureValue::Type::String;
          f.s = labels[std::max_element(p.v.begin(), p.v.end()) - p.v.begin()];
        } else {
          f.type = FeatureValue::Type::Dictionary;
          for (int i = 0; i < labels.size(); ++i) f.dict[labels[i]] = p.v[i];
        }
        out[o.name()] = f;
        continue;
      }
    }
    auto it = blobs.find(o.name());
    if (it == blobs.end()) bad(w, "output '" + o.name() + "' was not computed");
    Shape shape = it->second.shape;
    Shape declared(o.type().multiarraytype().shape().begin(), o.type().multiarraytype().shape().end());
    if (!exact && !declared.empty() && count(declared) == count(shape)) shape = declared;
    out[o.name()] = FeatureValue::of_array(shape, it->second.v);
  }
  return out;
}

void check_inputs(const cml::Model& m, const FeatureMap& in, const std::string& w) {
  for (const auto& d : m.description().input()) {
    auto it = in.find(d.name());
    if (it == in.end()) bad(w, "input '" + d.name() + "' is missing");
    const auto& f = it->second;
    const auto& t = d.type();
    if (t.has_doubletype() && f.type != FeatureValue::Type::Double) bad(w, "input '" + d.name() + "' must be a Double");
    if (t.has_int64type() && f.type != FeatureValue::Type::Int64) bad(w, "input '" + d.name() + "' must be an Int64");
    if (t.has_multiarraytype()) {
      // Core ML: "MultiArrayConstraint only allows MultiArrays"
      if (f.type != FeatureValue::Type::MultiArray) bad(w, "input '" + d.name() + "' must be a MultiArray");
      Shape want(t.multiarraytype().shape().begin(), t.multiarraytype().shape().end());
      if (f.shape != want) bad(w, "input '" + d.name() + "' has shape " + shape_text(f.shape) + ", expected " + shape_text(want));
      if (static_cast<std::int64_t>(f.array.size()) != count(f.shape)) bad(w, "input '" + d.name() + "' value count mismatch");
    }
  }
}

FeatureMap run(const cml::Model& m, const FeatureMap& in, const std::string& w) {
  check_inputs(m, in, w);
  const auto& d = m.description();
  switch (m.Type_case()) {
    case cml::Model::kPipeline:
    case cml::Model::kPipelineClassifier:
    case cml::Model::kPipelineRegressor: {
      const auto& p = m.has_pipeline() ? m.pipeline() : m.has_pipelineclassifier() ? m.pipelineclassifier().pipeline() : m.pipelineregressor().pipeline();
      FeatureMap table = in;
      for (int i = 0; i < p.models_size(); ++i)
        for (auto& [k, v] : run(p.models(i), table, w + "/" + (i < p.names_size() ? p.names(i) : std::to_string(i)))) table[k] = v;
      FeatureMap out;
      for (const auto& o : d.output()) out[o.name()] = table.at(o.name());
      return out;
    }
    case cml::Model::kNeuralNetwork: return run_nn(m, m.neuralnetwork(), in, w);
    case cml::Model::kNeuralNetworkClassifier: return run_nn(m, m.neuralnetworkclassifier(), in, w);
    case cml::Model::kNeuralNetworkRegressor: return run_nn(m, m.neuralnetworkregressor(), in, w);
    case cml::Model::kFeatureVectorizer: {
      std::vector<double> v;
      for (const auto& col : m.featurevectorizer().inputlist()) {
        const auto& f = in.at(col.inputcolumn());
        if (f.type == FeatureValue::Type::MultiArray) v.insert(v.end(), f.array.begin(), f.array.end());
        else v.push_back(f.type == FeatureValue::Type::Int64 ? static_cast<double>(f.i) : f.d);
      }
      return {{d.output(0).name(), FeatureValue::of_array({static_cast<std::int64_t>(v.size())}, v)}};
    }
    case cml::Model::kArrayFeatureExtractor: {
      const auto& x = in.at(d.input(0).name()).array;
      std::vector<double> v;
      for (auto i : m.arrayfeatureextractor().extractindex()) {
        if (i >= x.size()) bad(w, "extractIndex out of range");
        v.push_back(x[i]);
      }
      if (d.output(0).type().has_doubletype()) return {{d.output(0).name(), FeatureValue::of_double(v.at(0))}};
      return {{d.output(0).name(), FeatureValue::of_array({static_cast<std::int64_t>(v.size())}, v)}};
    }
    case cml::Model::kGlmRegressor: {
      std::vector<double> x;
      for (const auto& di : d.input()) {
        const auto& f = in.at(di.name());
        if (f.type == FeatureValue::Type::MultiArray) x.insert(x.end(), f.array.begin(), f.array.end());
        else x.push_back(f.d);
      }
      const auto& g = m.glmregressor();
      if (g.weights_size() == 0 || g.weights(0).value_size() != static_cast<int>(x.size())) bad(w, "GLM weight row length mismatch");
      double y = g.offset(0);
      for (std::size_t i = 0; i < x.size(); ++i) y += g.weights(0).value(i) * x[i];
      if (g.postevaluationtransform() == cml::GLMRegressor::Logit) y = 1.0 / (1.0 + std::exp(-y));
      if (g.postevaluationtransform() == cml::GLMRegressor::Probit) y = 0.5 * std::erfc(-y / std::sqrt(2.0));
      return {{d.predictedfeaturename(), FeatureValue::of_double(y)}};
    }
    default: bad(w, "model type not supported by the echoelml evaluator");
  }
}

}  // namespace
}  // namespace detail

FeatureMap predict_coreml(const std::filesystem::path& path, const FeatureMap& inputs) {
  auto m = detail::read_model(path);
  if (m.has_mlprogram()) return detail::run_mlprogram(m, path, inputs);  // mlprogram_eval.cpp
  return detail::run(m, inputs, path.filename().string());
}

}  // namespace echoelml::exporter
