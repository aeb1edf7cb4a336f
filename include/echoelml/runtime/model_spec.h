// A torch-free description of a trained network: named inputs and outputs, a list of layers
// over named blobs, float weights, and the metadata exporters need. Training produces it
// (src/train), exporters read it (src/export), and the runtime evaluates it (src/runtime).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace echoelml::runtime {

enum class LayerKind {
  Dense,       // y = act(x W^T + b) on the last axis; x [in] or [T, in] (time-distributed)
  Activation,  // y = act(x), elementwise
  Softmax,     // softmax over the last axis
  Scale,       // y = x * scale + bias on the last axis (scale/bias of size C, or 1 = broadcast)
  Repeat,      // [C] -> [repeats, C] (Keras RepeatVector)
  Lstm,        // [T, in] -> [T, hidden] full sequence, zero initial state
  Concat,      // concatenation of the inputs along the last axis
  ReduceMax,   // maximum over the last axis, kept as size 1: [C] -> [1], [T, C] -> [T, 1]
};

enum class Activation { Linear, Relu, Sigmoid, Tanh };

struct Tensor {
  std::vector<std::int64_t> shape;
  std::vector<float> values;  // row-major
};

/// Number of elements of a shape (1 for the empty shape).
inline std::int64_t element_count(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

struct Layer {
  LayerKind kind = LayerKind::Dense;
  std::string name;                 // unique within the model
  std::vector<std::string> inputs;  // blob names: model inputs or earlier layer outputs
  std::string output;               // blob name this layer produces
  Activation activation = Activation::Linear;
  // Dense: {weight [out, in], bias [out]}
  // Scale: {scale [C], bias [C]}
  // Lstm:  {weight_ih [4H, in], weight_hh [4H, H], bias [4H] (= b_ih + b_hh)}, gates in
  //        PyTorch order (input, forget, cell, output), sigmoid gates and tanh cell/output.
  std::vector<Tensor> params;
  int repeats = 0;  // Repeat
  int hidden = 0;   // Lstm
};

struct IoSpec {
  std::string name;
  std::vector<std::int64_t> shape;  // e.g. {32} or {64, 4}
  std::string description;          // with units
};

struct ModelSpec {
  std::string name;  // GenreClassifier, TechniqueRecognizer, PatternGenerator, MixAnalyzer, ...
  std::vector<IoSpec> inputs;
  std::vector<IoSpec> outputs;  // blobs produced by layers
  std::vector<Layer> layers;    // in evaluation order
  // Free-form facts for exporters: "short_description", "author", "license", "version",
  // "class_labels" (newline-separated), the per-feature input names in order, ...
  std::map<std::string, std::string> metadata;
};

}  // namespace echoelml::runtime
