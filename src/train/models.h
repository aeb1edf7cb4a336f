// The four networks in libtorch (private: only src/train/*.cpp that may include torch use it).
// Keras semantics: glorot_uniform kernels with zero bias, LSTM orthogonal recurrent kernels and
// unit forget bias, dropout only while training.
#pragma once

#include <vector>

#include <torch/torch.h>

#include "echoelml/runtime/model_spec.h"
#include "echoelml/train/dataset.h"

namespace echoelml::train::detail {

enum class HeadAct { Softmax, Sigmoid, Linear };

struct Head {
  std::string name;  // ModelSpec output name
  int size = 0;
  HeadAct act = HeadAct::Linear;
};

/// One module for all kinds: an MLP trunk (Dense + ReLU + Dropout), or for Pattern the
/// Dense-RepeatVector-LSTM-LSTM-TimeDistributed(Dense) stack, then the output heads.
class NetImpl : public torch::nn::Module {
 public:
  NetImpl(ModelKind kind, int n_in, int lstm_units);
  /// Pre-activation outputs per head: logits [B, size] (Pattern: one head [B, 64*4]).
  std::vector<torch::Tensor> forward(torch::Tensor x);
  /// Activated outputs concatenated in head order [B, sum sizes], training units.
  torch::Tensor activate(const std::vector<torch::Tensor>& logits) const;

  ModelKind kind;
  int n_in;
  int lstm_units;
  std::vector<Head> heads;
  std::vector<torch::nn::Linear> trunk;
  std::vector<double> dropout;  // after each trunk layer (0 = none)
  std::vector<torch::nn::Linear> head_layers;
  torch::nn::LSTM lstm1{nullptr}, lstm2{nullptr};
};
TORCH_MODULE(Net);

/// Keras initialisation of every layer, drawing from torch's default generator.
void keras_init(NetImpl& net);

/// Training loss in training units. y: float targets [B, k] (Genre: unused), labels: [B] int64
/// (Genre only). Genre = cross-entropy + MSE(confidence, argmax correct); Technique = BCE;
/// Pattern = MSE; Mix = sum over heads of each head's MSE (Keras multi-output 'mse').
torch::Tensor model_loss(NetImpl& net, const std::vector<torch::Tensor>& logits, const torch::Tensor& y,
                         const torch::Tensor& labels);

/// The torch-free graph of the network: a leading Scale (x - mean) / std, the layers, and
/// trailing Scale layers raw = act * out_scale + out_bias where out_scale != 1 or out_bias != 0.
runtime::ModelSpec build_spec(NetImpl& net, const std::vector<float>& in_mean, const std::vector<float>& in_std,
                              const std::vector<float>& out_scale, const std::vector<float>& out_bias);

}  // namespace echoelml::train::detail
