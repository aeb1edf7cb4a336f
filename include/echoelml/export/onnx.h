// ONNX export of a ModelSpec (Debian libonnx's onnx.proto, opset 13).
#pragma once

#include <filesystem>

#include "echoelml/runtime/model_spec.h"

namespace echoelml::exporter {

struct OnnxOptions {
  int opset = 13;  // Softmax(axis=-1) over one axis and Unsqueeze/Squeeze axes as inputs need >= 13
};

/// Graph inputs/outputs are the ModelSpec's, float32, of exactly the declared shapes (no batch
/// axis). Dense -> MatMul+Add, Scale -> Mul+Add, Repeat -> Expand, Lstm -> Unsqueeze, LSTM
/// (gates reordered i,f,g,o -> i,o,f,c), Squeeze. Checked with onnx::checker before the
/// atomic write. Throws ParameterError for an invalid spec, FormatError if the checker rejects.
void export_onnx(const runtime::ModelSpec& spec, const std::filesystem::path& out, const OnnxOptions& opt = {});

}  // namespace echoelml::exporter
