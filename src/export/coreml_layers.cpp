// ModelSpec layers -> Core ML NeuralNetworkLayer messages, with optional 8-bit weights.
#include <algorithm>
#include <cmath>
#include <set>

#include "coreml_internal.h"
#include "echoelml/core/error.h"

namespace echoelml::exporter::detail {
namespace {

using runtime::Activation;
using runtime::Layer;
using runtime::LayerKind;

void set_activation(Activation a, cml::ActivationParams* p) {
  switch (a) {
    case Activation::Linear: p->mutable_linear()->set_alpha(1.0f); break;
    case Activation::Relu: p->mutable_relu(); break;
    case Activation::Sigmoid: p->mutable_sigmoid(); break;
    case Activation::Tanh: p->mutable_tanh(); break;
  }
}

struct Writer {
  const NnOptions& opt;
  google::protobuf::RepeatedPtrField<cml::NeuralNetworkLayer>* layers;
  int version = 1;

  cml::NeuralNetworkLayer* add(const std::string& name, std::vector<std::string> in, std::vector<std::string> out) {
    auto* l = layers->Add();
    l->set_name(name);
    for (auto& s : in) l->add_input(s);
    for (auto& s : out) l->add_output(s);
    return l;
  }

  void weights(const std::vector<float>& v, std::size_t channels, cml::WeightParams* w) {
    if (opt.quantize_8bit) {
      quantize_linear_8bit(v, channels, w);
      version = std::max(version, 3);
    } else {
      w->mutable_floatvalue()->Add(v.begin(), v.end());
    }
  }

  std::vector<float> rows(const std::vector<float>& m, std::size_t first, std::size_t count, std::size_t cols) {
    return {m.begin() + first * cols, m.begin() + (first + count) * cols};
  }
};

}  // namespace

int append_layers(const runtime::ModelSpec& spec, const NnOptions& opt,
                  google::protobuf::RepeatedPtrField<cml::NeuralNetworkLayer>* layers) {
  auto shapes = runtime::infer_shapes(spec);
  Writer w{opt, layers};
  if (opt.exact_mapping) w.version = 4;
  // Spec outputs of rank 2 are produced under a temporary name and squeezed at the end.
  std::map<std::string, std::string> seq_name;
  for (const auto& io : spec.outputs)
    if (shapes.at(io.name).size() == 2) seq_name[io.name] = io.name + "__rank5";
  auto blob = [&](const std::string& n) { return seq_name.count(n) ? seq_name.at(n) : n; };
  // Updatable layers must feed the loss: only dense layers upstream of update_target count
  // (GenreClassifier's confidence head is the last dense layer but not on the genre path).
  std::set<std::string> upstream;
  if (opt.updatable_dense_layers > 0) {
    std::set<std::string> needed{opt.update_target};
    for (auto it = spec.layers.rbegin(); it != spec.layers.rend(); ++it)
      if (needed.count(it->output)) {
        upstream.insert(it->name);
        needed.insert(it->inputs.begin(), it->inputs.end());
      }
    if (upstream.empty())
      throw ParameterError("model '" + spec.name + "': no layer produces the update target '" + opt.update_target + "'");
  }
  int dense_total = 0, dense_seen = 0;
  for (const Layer& l : spec.layers) dense_total += l.kind == LayerKind::Dense && upstream.count(l.name);

  for (const Layer& l : spec.layers) {
    std::vector<std::string> in;
    for (const auto& b : l.inputs) in.push_back(blob(b));
    const std::string out = blob(l.output);
    const Shape& xs = shapes.at(l.inputs.front());
    if (!opt.exact_mapping && xs.size() != 1)
      throw ParameterError("model '" + spec.name + "', layer '" + l.name +
                           "': rank-2 blobs need the exact array mapping (spec 4)");
    switch (l.kind) {
      case LayerKind::Dense: {
        dense_seen += upstream.count(l.name) ? 1 : 0;
        const auto& W = l.params[0];
        bool has_act = l.activation != Activation::Linear;
        auto* layer = w.add(l.name, in, {has_act ? out + "__linear" : out});
        auto* ip = layer->mutable_innerproduct();
        ip->set_inputchannels(W.shape[1]);
        ip->set_outputchannels(W.shape[0]);
        w.weights(W.values, W.shape[0], ip->mutable_weights());
        if (l.params.size() > 1) {
          ip->set_hasbias(true);
          w.weights(l.params[1].values, 1, ip->mutable_bias());
        }
        if (upstream.count(l.name) && dense_total - dense_seen < opt.updatable_dense_layers) {
          layer->set_isupdatable(true);
          ip->mutable_weights()->set_isupdatable(true);
          if (ip->hasbias()) ip->mutable_bias()->set_isupdatable(true);
        }
        if (has_act) set_activation(l.activation, w.add(l.name + "_act", {out + "__linear"}, {out})->mutable_activation());
        break;
      }
      case LayerKind::Activation:
        set_activation(l.activation, w.add(l.name, in, {out})->mutable_activation());
        break;
      case LayerKind::Softmax: w.add(l.name, in, {out})->mutable_softmax(); break;
      case LayerKind::Scale: {
        // Scale stays float: it maps into MIDI/beat units where 8-bit steps would be audible.
        auto* sc = w.add(l.name, in, {out})->mutable_scale();
        sc->add_shapescale(l.params[0].values.size());
        sc->mutable_scale()->mutable_floatvalue()->Add(l.params[0].values.begin(), l.params[0].values.end());
        if (l.params.size() > 1) {
          sc->set_hasbias(true);
          sc->add_shapebias(l.params[1].values.size());
          sc->mutable_bias()->mutable_floatvalue()->Add(l.params[1].values.begin(), l.params[1].values.end());
        }
        break;
      }
      case LayerKind::Repeat: {
        if (!opt.exact_mapping) throw ParameterError("layer '" + l.name + "': repeat needs the exact array mapping");
        auto* ed = w.add(l.name + "_expand", in, {out + "__expanded"})->mutable_expanddims();
        for (int a : {0, 1, 3, 4}) ed->add_axes(a);  // [C] -> [1,1,C,1,1]
        auto* tile = w.add(l.name, {out + "__expanded"}, {out})->mutable_tile();
        for (std::uint64_t r : {static_cast<std::uint64_t>(l.repeats), 1ul, 1ul, 1ul, 1ul}) tile->add_reps(r);
        break;
      }
      case LayerKind::Lstm: {
        const std::size_t H = l.hidden, n_in = xs[1];
        auto* lstm = w.add(l.name, in, {out, out + "__h", out + "__c"})->mutable_unidirectionallstm();
        lstm->set_inputvectorsize(n_in);
        lstm->set_outputvectorsize(H);
        lstm->add_activations()->mutable_sigmoid();
        lstm->add_activations()->mutable_tanh();
        lstm->add_activations()->mutable_tanh();
        lstm->mutable_params()->set_sequenceoutput(true);
        lstm->mutable_params()->set_hasbiasvectors(true);
        auto* wp = lstm->mutable_weightparams();
        const auto &Wi = l.params[0].values, &Wh = l.params[1].values, &b = l.params[2].values;
        // PyTorch row blocks i, f, g, o -> Core ML input, forget, block input, output gates.
        cml::WeightParams* wx[4] = {wp->mutable_inputgateweightmatrix(), wp->mutable_forgetgateweightmatrix(),
                                    wp->mutable_blockinputweightmatrix(), wp->mutable_outputgateweightmatrix()};
        cml::WeightParams* wr[4] = {wp->mutable_inputgaterecursionmatrix(), wp->mutable_forgetgaterecursionmatrix(),
                                    wp->mutable_blockinputrecursionmatrix(), wp->mutable_outputgaterecursionmatrix()};
        cml::WeightParams* wb[4] = {wp->mutable_inputgatebiasvector(), wp->mutable_forgetgatebiasvector(),
                                    wp->mutable_blockinputbiasvector(), wp->mutable_outputgatebiasvector()};
        for (std::size_t g = 0; g < 4; ++g) {
          w.weights(w.rows(Wi, g * H, H, n_in), H, wx[g]);
          w.weights(w.rows(Wh, g * H, H, H), H, wr[g]);
          w.weights(w.rows(b, g * H, H, 1), 1, wb[g]);
        }
        break;
      }
      case LayerKind::Concat: {
        auto* layer = w.add(l.name, in, {out});
        if (opt.exact_mapping)
          layer->mutable_concatnd()->set_axis(xs.size() == 1 ? -1 : -3);
        else
          layer->mutable_concat();
        break;
      }
      case LayerKind::ReduceMax: {
        if (opt.exact_mapping) throw ParameterError("layer '" + l.name + "': reduce_max is written for legacy networks only");
        auto* r = w.add(l.name, in, {out})->mutable_reduce();
        r->set_mode(cml::ReduceLayerParams::MAX);
        r->set_axis(cml::ReduceLayerParams::C);
        break;
      }
    }
  }
  for (const auto& [name, tmp] : seq_name) {
    auto* sq = w.add(name + "_squeeze", {tmp}, {name})->mutable_squeeze();
    for (int a : {1, 3, 4}) sq->add_axes(a);  // [T,1,C,1,1] -> [T,C]
  }
  if (opt.updatable_dense_layers > 0) w.version = std::max(w.version, 4);
  return w.version;
}

void quantize_linear_8bit(const std::vector<float>& w, std::size_t channels, cml::WeightParams* out) {
  if (channels == 0 || w.size() % channels != 0)
    throw ParameterError("quantize: " + std::to_string(w.size()) + " weights do not split into " +
                         std::to_string(channels) + " channels");
  const std::size_t n = w.size() / channels;
  auto* q = out->mutable_quantization();
  q->set_numberofbits(8);
  auto* lin = q->mutable_linearquantization();
  std::string raw(w.size(), '\0');
  for (std::size_t c = 0; c < channels; ++c) {
    auto [lo, hi] = std::minmax_element(w.begin() + c * n, w.begin() + (c + 1) * n);
    double mn = *lo, scale = (static_cast<double>(*hi) - mn) / 255.0;
    double inv = std::abs(scale) > 1e-6 ? 1.0 / scale : 0.0;  // coremltools' guard for flat channels
    lin->add_scale(static_cast<float>(scale));
    lin->add_bias(static_cast<float>(mn));
    for (std::size_t i = 0; i < n; ++i) {
      double v = std::round((w[c * n + i] - mn) * inv);
      raw[c * n + i] = static_cast<char>(static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0)));
    }
  }
  out->set_rawvalue(raw);
}

std::vector<float> weight_values(const cml::WeightParams& w, std::size_t count, const std::string& where) {
  if (w.floatvalue_size() > 0) {
    if (static_cast<std::size_t>(w.floatvalue_size()) != count)
      throw ParameterError(where + ": has " + std::to_string(w.floatvalue_size()) + " float weights, expected " +
                           std::to_string(count));
    return {w.floatvalue().begin(), w.floatvalue().end()};
  }
  if (!w.rawvalue().empty() && w.has_quantization()) {
    const auto& q = w.quantization();
    if (q.numberofbits() != 8 || !q.has_linearquantization())
      throw ParameterError(where + ": only 8-bit linear quantization is supported");
    const auto& raw = w.rawvalue();
    if (raw.size() != count) throw ParameterError(where + ": has " + std::to_string(raw.size()) + " quantized bytes, expected " + std::to_string(count));
    const auto& lin = q.linearquantization();
    std::size_t ch = lin.scale_size();
    if (ch == 0 || ch != static_cast<std::size_t>(lin.bias_size()) || count % ch != 0)
      throw ParameterError(where + ": quantization scale/bias sizes do not fit " + std::to_string(count) + " weights");
    std::vector<float> v(count);
    std::size_t per = count / ch;
    for (std::size_t i = 0; i < count; ++i)
      v[i] = static_cast<float>(static_cast<double>(static_cast<std::uint8_t>(raw[i])) * lin.scale(i / per) + lin.bias(i / per));
    return v;
  }
  if (count == 0) return {};
  throw ParameterError(where + ": no float or 8-bit weights");
}

}  // namespace echoelml::exporter::detail
