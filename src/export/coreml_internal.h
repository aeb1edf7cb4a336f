// Internal helpers shared by the Core ML writer, validator, evaluator and inspector.
// Only src/export sees the generated protobuf types.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "Model.pb.h"
#include "echoelml/runtime/evaluate.h"

namespace echoelml::exporter::detail {

namespace cml = CoreML::Specification;
using runtime::Shape;

struct NnOptions {
  bool exact_mapping = false;  // EXACT_ARRAY_MAPPING (spec 4) instead of legacy rank-5
  bool quantize_8bit = false;
  int updatable_dense_layers = 0;  // the last N dense layers on the path to update_target
  std::string update_target;       // blob the update loss reads
};

/// Appends one Core ML layer per ModelSpec op (plus helper layers). Blob names are the spec's.
/// ModelSpec [T,C] blobs live as [T,1,C,1,1] in exact mode; spec outputs of rank 2 get a final
/// squeeze to their real rank. Returns the minimum specification version the layers need.
int append_layers(const runtime::ModelSpec& spec, const NnOptions& opt,
                  google::protobuf::RepeatedPtrField<cml::NeuralNetworkLayer>* layers);

/// Linear per-channel 8-bit quantization as coremltools' quantize_weights(nbits=8, "linear"):
/// per channel c: scale = (max - min) / 255, bias = min, q = round((w - min) / scale).
void quantize_linear_8bit(const std::vector<float>& w, std::size_t channels, cml::WeightParams* out);
/// Float values of a WeightParams (float, or 8-bit linear quantized, de-quantized). `count` is
/// the expected element count, `channels` the quantization channel count it may use.
std::vector<float> weight_values(const cml::WeightParams& w, std::size_t count, const std::string& where);

/// Reads an .mlmodel (or the model.mlmodel of an .mlpackage); FormatError if not parseable.
cml::Model read_model(const std::filesystem::path& path);
/// The weight file of an .mlpackage (empty path for a plain .mlmodel).
std::filesystem::path package_weights(const std::filesystem::path& path);

std::string type_name(const cml::FeatureType& t);
std::string shape_text(const Shape& s);
std::string w_name(const std::string& where, int gate);

}  // namespace echoelml::exporter::detail
