#include "train/models.h"

#include <fmt/format.h>

#include "echoelml/core/error.h"
#include "echoelml/core/music.h"

namespace echoelml::train::detail {
namespace {

constexpr int kPatternEmbed = 256;

runtime::Tensor to_spec_tensor(const torch::Tensor& t) {
  auto c = t.detach().to(torch::kFloat32).contiguous();
  runtime::Tensor out;
  out.shape.assign(c.sizes().begin(), c.sizes().end());
  out.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  return out;
}

runtime::Tensor vec_tensor(const std::vector<float>& v) {
  return {{static_cast<std::int64_t>(v.size())}, v};
}

runtime::Layer dense_layer(const std::string& name, const std::string& in, const std::string& out,
                           const torch::nn::Linear& l, runtime::Activation act) {
  runtime::Layer layer;
  layer.kind = runtime::LayerKind::Dense;
  layer.name = name;
  layer.inputs = {in};
  layer.output = out;
  layer.activation = act;
  layer.params = {to_spec_tensor(l->weight), to_spec_tensor(l->bias)};
  return layer;
}

runtime::Layer lstm_layer(const std::string& name, const std::string& in, const std::string& out,
                          const torch::nn::LSTM& l) {
  runtime::Layer layer;
  layer.kind = runtime::LayerKind::Lstm;
  layer.name = name;
  layer.inputs = {in};
  layer.output = out;
  layer.hidden = static_cast<int>(l->options.hidden_size());
  layer.params = {to_spec_tensor(l->named_parameters()["weight_ih_l0"]),
                  to_spec_tensor(l->named_parameters()["weight_hh_l0"]),
                  to_spec_tensor(l->named_parameters()["bias_ih_l0"] + l->named_parameters()["bias_hh_l0"])};
  return layer;
}

runtime::Layer scale_layer(const std::string& name, const std::string& in, const std::string& out,
                           std::vector<float> scale, std::vector<float> bias) {
  runtime::Layer layer;
  layer.kind = runtime::LayerKind::Scale;
  layer.name = name;
  layer.inputs = {in};
  layer.output = out;
  layer.params = {vec_tensor(scale), vec_tensor(bias)};
  return layer;
}

runtime::Activation spec_act(HeadAct a) {
  return a == HeadAct::Sigmoid ? runtime::Activation::Sigmoid : runtime::Activation::Linear;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "\n") + x;
  return s;
}

}  // namespace

NetImpl::NetImpl(ModelKind k, int in, int units) : kind(k), n_in(in), lstm_units(units) {
  std::vector<int> widths;
  switch (kind) {
    case ModelKind::Genre:
      widths = {256, 128, 64}, dropout = {0.3, 0.3, 0.0};
      heads = {{"genre_probs", kNumGenres, HeadAct::Softmax}, {"confidence", 1, HeadAct::Sigmoid}};
      break;
    case ModelKind::Technique:
    case ModelKind::TechniqueApp:
      widths = {128, 64}, dropout = {0.4, 0.4};
      heads = {{"techniques", kNumTechniques, HeadAct::Sigmoid}};
      break;
    case ModelKind::Mix:
      widths = {512, 256, 128}, dropout = {0.3, 0.3, 0.0};
      heads = {{"freq_balance", 6, HeadAct::Sigmoid}, {"dynamic_range", 1, HeadAct::Linear},
               {"stereo_width", 1, HeadAct::Sigmoid}, {"peak_level", 1, HeadAct::Sigmoid},
               {"rms_level", 1, HeadAct::Sigmoid}};
      break;
    case ModelKind::Pattern:
      widths = {kPatternEmbed}, dropout = {0.0};
      heads = {{"notes", kPatternSteps * kNoteFields, HeadAct::Sigmoid}};
      break;
  }
  int prev = n_in;
  for (std::size_t i = 0; i < widths.size(); ++i) {
    trunk.push_back(register_module(fmt::format("dense{}", i + 1), torch::nn::Linear(prev, widths[i])));
    prev = widths[i];
  }
  if (kind == ModelKind::Pattern) {
    lstm1 = register_module("lstm1", torch::nn::LSTM(torch::nn::LSTMOptions(prev, lstm_units).batch_first(true)));
    lstm2 = register_module("lstm2", torch::nn::LSTM(torch::nn::LSTMOptions(lstm_units, lstm_units).batch_first(true)));
    head_layers.push_back(register_module("notes", torch::nn::Linear(lstm_units, kNoteFields)));
  } else {
    for (const Head& h : heads) head_layers.push_back(register_module(h.name, torch::nn::Linear(prev, h.size)));
  }
}

std::vector<torch::Tensor> NetImpl::forward(torch::Tensor x) {
  for (std::size_t i = 0; i < trunk.size(); ++i) {
    x = torch::relu(trunk[i](x));
    if (dropout[i] > 0) x = torch::dropout(x, dropout[i], is_training());
  }
  if (kind == ModelKind::Pattern) {
    const auto batch = x.size(0);
    auto seq = x.unsqueeze(1).expand({batch, kPatternSteps, x.size(1)});  // RepeatVector(64)
    auto h = std::get<0>(lstm1(seq));
    h = torch::dropout(h, 0.3, is_training());
    h = std::get<0>(lstm2(h));
    h = torch::dropout(h, 0.3, is_training());
    return {head_layers[0](h).reshape({batch, kPatternSteps * kNoteFields})};
  }
  std::vector<torch::Tensor> out;
  for (auto& l : head_layers) out.push_back(l(x));
  return out;
}

torch::Tensor NetImpl::activate(const std::vector<torch::Tensor>& logits) const {
  std::vector<torch::Tensor> parts;
  for (std::size_t i = 0; i < heads.size(); ++i) {
    switch (heads[i].act) {
      case HeadAct::Softmax: parts.push_back(torch::softmax(logits[i], -1)); break;
      case HeadAct::Sigmoid: parts.push_back(torch::sigmoid(logits[i])); break;
      case HeadAct::Linear: parts.push_back(logits[i]); break;
    }
  }
  return torch::cat(parts, 1);
}

void keras_init(NetImpl& net) {
  torch::NoGradGuard no_grad;
  auto init_linear = [](torch::nn::Linear& l) {
    torch::nn::init::xavier_uniform_(l->weight);  // glorot_uniform: fan_in = in, fan_out = out
    torch::nn::init::zeros_(l->bias);
  };
  for (auto& l : net.trunk) init_linear(l);
  for (auto& l : net.head_layers) init_linear(l);
  for (auto* lstm : {&net.lstm1, &net.lstm2}) {
    if (!*lstm) continue;
    auto p = (*lstm)->named_parameters();
    const auto h = (*lstm)->options.hidden_size();
    // Keras kernel [in, 4H] glorot = torch weight_ih [4H, in] glorot (same fans); Keras
    // recurrent [H, 4H] orthogonal = torch weight_hh [4H, H] with orthonormal columns.
    torch::nn::init::xavier_uniform_(p["weight_ih_l0"]);
    torch::nn::init::orthogonal_(p["weight_hh_l0"]);
    torch::nn::init::zeros_(p["bias_ih_l0"]);
    torch::nn::init::zeros_(p["bias_hh_l0"]);
    p["bias_ih_l0"].slice(0, h, 2 * h).fill_(1.0);  // unit_forget_bias; gates i, f, g, o as Keras
  }
}

torch::Tensor model_loss(NetImpl& net, const std::vector<torch::Tensor>& logits, const torch::Tensor& y,
                         const torch::Tensor& labels) {
  switch (net.kind) {
    case ModelKind::Genre: {
      auto ce = torch::nn::functional::cross_entropy(logits[0], labels);
      // Confidence learns "is the genre answer right"; the target is detached so this term
      // trains only the confidence head's path, not the genre logits.
      auto correct = (logits[0].argmax(1) == labels).to(torch::kFloat32).detach();
      auto mse = torch::mse_loss(torch::sigmoid(logits[1]).squeeze(1), correct);
      return ce + mse;
    }
    case ModelKind::Technique:
    case ModelKind::TechniqueApp:
      return torch::nn::functional::binary_cross_entropy_with_logits(logits[0], y);
    case ModelKind::Pattern: return torch::mse_loss(torch::sigmoid(logits[0]), y);
    case ModelKind::Mix: {
      torch::Tensor total;
      std::int64_t col = 0;
      for (std::size_t i = 0; i < net.heads.size(); ++i) {
        auto out = net.heads[i].act == HeadAct::Sigmoid ? torch::sigmoid(logits[i]) : logits[i];
        auto part = torch::mse_loss(out, y.slice(1, col, col + net.heads[i].size));
        total = i == 0 ? part : total + part;
        col += net.heads[i].size;
      }
      return total;
    }
  }
  throw ParameterError("train: unknown model kind");
}

runtime::ModelSpec build_spec(NetImpl& net, const std::vector<float>& in_mean, const std::vector<float>& in_std,
                              const std::vector<float>& out_scale, const std::vector<float>& out_bias) {
  using runtime::Activation;
  runtime::ModelSpec spec;
  spec.name = std::string(model_name(net.kind));
  const std::string input = net.kind == ModelKind::Mix ? "spectrum" : "features";
  spec.inputs.push_back({input, {net.n_in}, "raw features in the units the app sends (see metadata input_names)"});

  std::vector<float> scale(in_std.size()), bias(in_std.size());
  for (std::size_t i = 0; i < in_std.size(); ++i) scale[i] = 1.0f / in_std[i], bias[i] = -in_mean[i] / in_std[i];
  spec.layers.push_back(scale_layer("input_standardize", input, "x_std", scale, bias));

  std::string blob = "x_std";
  for (std::size_t i = 0; i < net.trunk.size(); ++i) {
    std::string out = fmt::format("dense{}_out", i + 1);
    spec.layers.push_back(dense_layer(fmt::format("dense{}", i + 1), blob, out, net.trunk[i], Activation::Relu));
    blob = out;
  }
  std::size_t col = 0;
  auto trailing_scale = [&](const std::string& pre, const std::string& name, std::size_t size) {
    std::vector<float> s(out_scale.begin() + col, out_scale.begin() + col + size),
        b(out_bias.begin() + col, out_bias.begin() + col + size);
    bool identity = std::all_of(s.begin(), s.end(), [](float v) { return v == 1.0f; }) &&
                    std::all_of(b.begin(), b.end(), [](float v) { return v == 0.0f; });
    if (identity) return false;
    spec.layers.push_back(scale_layer(name + "_scale", pre, name, s, b));
    return true;
  };

  if (net.kind == ModelKind::Pattern) {
    runtime::Layer rep;
    rep.kind = runtime::LayerKind::Repeat;
    rep.name = "repeat";
    rep.inputs = {blob};
    rep.output = "repeat_out";
    rep.repeats = kPatternSteps;
    spec.layers.push_back(rep);
    spec.layers.push_back(lstm_layer("lstm1", "repeat_out", "lstm1_out", net.lstm1));
    spec.layers.push_back(lstm_layer("lstm2", "lstm1_out", "lstm2_out", net.lstm2));
    spec.layers.push_back(dense_layer("notes_dense", "lstm2_out", "notes_unit", net.head_layers[0], Activation::Sigmoid));
    // Scale vectors are per field [4]; the checkpoint keeps them tiled over the 64 steps.
    std::vector<float> s(out_scale.begin(), out_scale.begin() + kNoteFields),
        b(out_bias.begin(), out_bias.begin() + kNoteFields);
    spec.layers.push_back(scale_layer("notes_scale", "notes_unit", "notes", s, b));
    spec.outputs.push_back({"notes", {kPatternSteps, kNoteFields},
                            "64 notes: MIDI pitch, MIDI velocity, start (beats), duration (beats)"});
  } else {
    for (std::size_t i = 0; i < net.heads.size(); ++i) {
      const Head& h = net.heads[i];
      if (h.act == HeadAct::Softmax) {
        spec.layers.push_back(dense_layer(h.name + "_logits", blob, h.name + "_logits", net.head_layers[i], Activation::Linear));
        runtime::Layer sm;
        sm.kind = runtime::LayerKind::Softmax;
        sm.name = h.name;
        sm.inputs = {h.name + "_logits"};
        sm.output = h.name;
        spec.layers.push_back(sm);
      } else {
        spec.layers.push_back(dense_layer(h.name, blob, h.name + "_unit", net.head_layers[i], spec_act(h.act)));
        if (!trailing_scale(h.name + "_unit", h.name, static_cast<std::size_t>(h.size)))
          spec.layers.back().output = h.name;
      }
      col += static_cast<std::size_t>(h.size);
      spec.outputs.push_back({h.name, {h.size}, ""});
    }
  }

  // Descriptions and the facts exporters need to rebuild the app's interface (app contract).
  std::vector<std::string> labels;
  switch (net.kind) {
    case ModelKind::Genre: {
      spec.outputs[0].description = "probability per MusicGenre (class_labels order)";
      spec.outputs[1].description = "probability that the predicted genre is right (0-1)";
      for (MusicGenre g : all_genres()) labels.emplace_back(raw_value(g));
      spec.metadata["class_labels"] = joined(labels);
      spec.metadata["predicted_feature_name"] = "genre";
      spec.metadata["probabilities_output"] = "genre_probs";
      std::vector<std::string> groups;
      for (std::size_t g = 0; g < kGenreInputGroups.size(); ++g)
        groups.push_back(fmt::format("{}:{}", kGenreInputGroups[g], kGenreInputGroupSizes[g]));
      spec.metadata["input_groups"] = joined(groups);
      spec.metadata["short_description"] = "Genre classification for Echoelmusic";
      break;
    }
    case ModelKind::Technique:
    case ModelKind::TechniqueApp: {
      spec.outputs[0].description = "probability per ProductionTechnique (output_labels order), > 0.5 = present";
      for (ProductionTechnique t : all_techniques()) labels.emplace_back(raw_value(t));
      spec.metadata["output_labels"] = joined(labels);
      std::vector<std::string> groups;
      for (int i = 0; i < net.n_in; ++i) groups.push_back(fmt::format("{}:1", kTechniqueInputs[i]));
      spec.metadata["input_groups"] = joined(groups);
      spec.metadata["short_description"] = "Production technique recognition for Echoelmusic";
      break;
    }
    case ModelKind::Pattern: {
      std::vector<std::string> groups;
      for (std::size_t g = 0; g < kPatternInputGroups.size(); ++g)
        groups.push_back(fmt::format("{}:{}", kPatternInputGroups[g], kPatternInputGroupSizes[g]));
      spec.metadata["input_groups"] = joined(groups);
      spec.metadata["beats_scale"] = fmt::format("{}", out_scale[2]);
      spec.metadata["duration_scale"] = fmt::format("{}", out_scale[3]);
      spec.metadata["short_description"] = "Genre- and technique-conditioned MIDI pattern generation for Echoelmusic";
      break;
    }
    case ModelKind::Mix: {
      const char* desc[] = {"band levels sub, bass, low-mid, mid, high-mid, high (0-1)", "dynamic range (dB)",
                            "stereo width (0-1)", "peak level (linear, 0-1)", "rms level (linear, 0-1)"};
      for (std::size_t i = 0; i < spec.outputs.size(); ++i) spec.outputs[i].description = desc[i];
      spec.metadata["input_groups"] = fmt::format("spectrum:{}", kMixSpectrumSize);
      spec.metadata["short_description"] = "Mix analysis for Echoelmusic";
      break;
    }
  }
  spec.metadata["input_names"] = joined(input_names(net.kind));
  spec.metadata["normalization"] = "input standardised by the leading Scale layer (train-split mean/std); "
                                   "outputs in raw units";
  return spec;
}

}  // namespace echoelml::train::detail
