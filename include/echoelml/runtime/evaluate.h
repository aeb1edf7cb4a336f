// Reference evaluation of a ModelSpec without libtorch: the ground truth the exporters'
// round-trip tests compare against (Core ML evaluator, onnxruntime).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "echoelml/runtime/model_spec.h"

namespace echoelml::runtime {

using Shape = std::vector<std::int64_t>;

/// Checks the whole spec (unique names, blobs defined before use, parameter shapes, layer
/// arity, declared output shapes) and returns the shape of every blob, inputs included.
/// Throws ParameterError naming the model, the layer and the problem.
std::map<std::string, Shape> infer_shapes(const ModelSpec& spec);

/// Runs the network on named inputs (each of exactly the declared shape) and returns the
/// declared outputs. float32 storage, double accumulation in dot products and sums.
/// Throws ParameterError on a missing/unknown input or a shape mismatch.
std::map<std::string, Tensor> evaluate(const ModelSpec& spec,
                                       const std::map<std::string, Tensor>& inputs);

}  // namespace echoelml::runtime
