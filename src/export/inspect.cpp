// Printable descriptions of .mlmodel / .mlpackage / .onnx files.
#include "echoelml/export/inspect.h"

#include <onnx/onnx_pb.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "coreml_internal.h"
#include "mlprogram_internal.h"
#include "echoelml/core/error.h"

namespace echoelml::exporter {
namespace {

namespace fs = std::filesystem;
using namespace detail;

std::string weight_text(const cml::WeightParams& w) {
  if (w.floatvalue_size()) return std::to_string(w.floatvalue_size()) + " float32";
  if (!w.rawvalue().empty())
    return std::to_string(w.rawvalue().size()) + " uint8 (" + std::to_string(w.quantization().numberofbits()) + "-bit linear, " +
           std::to_string(w.quantization().linearquantization().scale_size()) + " channel scales)";
  return "none";
}

template <typename Net>
void layers(std::ostringstream& o, const Net& net, const std::string& ind) {
  o << ind << "array mapping: " << (net.arrayinputshapemapping() == cml::EXACT_ARRAY_MAPPING ? "EXACT" : "RANK5 (legacy)") << "\n";
  for (const auto& l : net.layers()) {
    o << ind << "- " << l.name() << " [";
    switch (l.layer_case()) {
      case cml::NeuralNetworkLayer::kInnerProduct:
        o << "innerProduct " << l.innerproduct().inputchannels() << "->" << l.innerproduct().outputchannels()
          << ", weights " << weight_text(l.innerproduct().weights()) << "]";
        break;
      case cml::NeuralNetworkLayer::kUniDirectionalLSTM:
        o << "uniDirectionalLSTM " << l.unidirectionallstm().inputvectorsize() << "->" << l.unidirectionallstm().outputvectorsize()
          << ", weights " << weight_text(l.unidirectionallstm().weightparams().inputgateweightmatrix()) << " per gate]";
        break;
      case cml::NeuralNetworkLayer::kActivation: o << "activation]"; break;
      case cml::NeuralNetworkLayer::kSoftmax: o << "softmax]"; break;
      case cml::NeuralNetworkLayer::kScale: o << "scale, " << weight_text(l.scale().scale()) << "]"; break;
      case cml::NeuralNetworkLayer::kReduce: o << "reduce]"; break;
      case cml::NeuralNetworkLayer::kConcat: o << "concat]"; break;
      case cml::NeuralNetworkLayer::kConcatND: o << "concatND axis " << l.concatnd().axis() << "]"; break;
      case cml::NeuralNetworkLayer::kTile: o << "tile]"; break;
      case cml::NeuralNetworkLayer::kSqueeze: o << "squeeze]"; break;
      case cml::NeuralNetworkLayer::kExpandDims: o << "expandDims]"; break;
      default: o << "unsupported]";
    }
    if (l.isupdatable()) o << " (updatable)";
    o << " " << (l.input_size() ? l.input(0) : "") << " -> " << (l.output_size() ? l.output(0) : "") << "\n";
  }
}

void update_params(std::ostringstream& o, const cml::Model& m, const cml::NetworkUpdateParameters& up, const std::string& ind) {
  for (const auto& l : up.losslayers()) {
    if (l.has_categoricalcrossentropylosslayer())
      o << ind << "update loss: categorical cross-entropy(" << l.categoricalcrossentropylosslayer().input() << ", "
        << l.categoricalcrossentropylosslayer().target() << ")\n";
    else if (l.has_meansquarederrorlosslayer())
      o << ind << "update loss: mean squared error(" << l.meansquarederrorlosslayer().input() << ", "
        << l.meansquarederrorlosslayer().target() << ")\n";
  }
  if (up.optimizer().has_adamoptimizer()) {
    const auto& a = up.optimizer().adamoptimizer();
    o << ind << "update optimizer: adam, learning rate " << a.learningrate().defaultvalue() << ", mini-batch "
      << a.minibatchsize().defaultvalue() << "\n";
  } else if (up.optimizer().has_sgdoptimizer()) {
    o << ind << "update optimizer: sgd, learning rate " << up.optimizer().sgdoptimizer().learningrate().defaultvalue() << "\n";
  }
  o << ind << "update epochs " << up.epochs().defaultvalue() << ", training inputs:";
  for (const auto& t : m.description().traininginput()) o << " " << t.name() << " (" << type_name(t.type()) << ")";
  o << "\n";
}

void describe(std::ostringstream& o, const cml::Model& m, const std::string& ind) {
  const auto& d = m.description();
  o << ind << "specificationVersion " << m.specificationversion() << (m.isupdatable() ? ", updatable" : "") << "\n";
  for (const auto& f : d.input()) o << ind << "input  " << f.name() << ": " << type_name(f.type()) << "  -- " << f.shortdescription() << "\n";
  for (const auto& f : d.output()) o << ind << "output " << f.name() << ": " << type_name(f.type()) << "  -- " << f.shortdescription() << "\n";
  if (!d.predictedfeaturename().empty()) o << ind << "predictedFeatureName " << d.predictedfeaturename() << "\n";
  if (!d.predictedprobabilitiesname().empty()) o << ind << "predictedProbabilitiesName " << d.predictedprobabilitiesname() << "\n";
  const cml::Pipeline* p = m.has_pipeline() ? &m.pipeline() : m.has_pipelineclassifier() ? &m.pipelineclassifier().pipeline()
                         : m.has_pipelineregressor() ? &m.pipelineregressor().pipeline() : nullptr;
  if (p) {
    o << ind << (m.has_pipelineclassifier() ? "pipelineClassifier" : "pipeline") << " with " << p->models_size() << " stages\n";
    for (int i = 0; i < p->models_size(); ++i) {
      o << ind << "stage " << i << " '" << (i < p->names_size() ? p->names(i) : "") << "':\n";
      describe(o, p->models(i), ind + "  ");
    }
  } else if (m.has_neuralnetwork()) {
    o << ind << "neuralNetwork\n";
    layers(o, m.neuralnetwork(), ind);
    if (m.isupdatable()) update_params(o, m, m.neuralnetwork().updateparams(), ind);
  } else if (m.has_neuralnetworkclassifier()) {
    o << ind << "neuralNetworkClassifier, labels:";
    for (const auto& s : m.neuralnetworkclassifier().stringclasslabels().vector()) o << " \"" << s << "\"";
    o << "\n";
    layers(o, m.neuralnetworkclassifier(), ind);
  } else if (m.has_featurevectorizer()) {
    o << ind << "featureVectorizer:";
    for (const auto& c : m.featurevectorizer().inputlist()) o << " " << c.inputcolumn() << "(" << c.inputdimensions() << ")";
    o << "\n";
  } else if (m.has_arrayfeatureextractor()) {
    o << ind << "arrayFeatureExtractor index";
    for (auto i : m.arrayfeatureextractor().extractindex()) o << " " << i;
    o << "\n";
  } else if (m.has_glmregressor()) {
    o << ind << "glmRegressor " << m.glmregressor().weights_size() << " rows\n";
  } else if (m.has_mlprogram()) {
    o << ind << "mlProgram with " << m.mlprogram().functions_size() << " functions (details below)\n";
  } else {
    o << ind << "unsupported model type\n";
  }
  if (d.has_metadata()) {
    const auto& md = d.metadata();
    o << ind << "metadata: \"" << md.shortdescription() << "\", author " << md.author() << ", license " << md.license()
      << ", version " << md.versionstring() << "\n";
    for (const auto& [k, v] : md.userdefined()) o << ind << "  " << k << " = " << v << "\n";
  }
}

std::string inspect_onnx(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw IoError(path, "cannot open ONNX model");
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  onnx::ModelProto m;
  if (bytes.empty() || !m.ParseFromString(bytes) || !m.has_graph()) throw FormatError(path, "not an ONNX model (protobuf parse failed)");
  std::ostringstream o;
  o << "ONNX model " << path.filename().string() << ": ir_version " << m.ir_version() << ", producer " << m.producer_name();
  for (const auto& op : m.opset_import()) o << ", opset " << op.version();
  o << "\n";
  auto vi = [&](const char* kind, const onnx::ValueInfoProto& v) {
    o << kind << v.name() << ": float32 [";
    const auto& dims = v.type().tensor_type().shape().dim();
    for (int i = 0; i < dims.size(); ++i) o << (i ? "," : "") << dims[i].dim_value();
    o << "]  -- " << v.doc_string() << "\n";
  };
  for (const auto& v : m.graph().input()) vi("input  ", v);
  for (const auto& v : m.graph().output()) vi("output ", v);
  std::size_t n = 0;
  for (const auto& t : m.graph().initializer()) n += t.float_data_size() + t.int64_data_size();
  o << m.graph().node_size() << " nodes:";
  for (const auto& nd : m.graph().node()) o << " " << nd.op_type();
  o << "\n" << m.graph().initializer_size() << " initializers, " << n << " values\n";
  for (const auto& p : m.metadata_props()) o << "metadata " << p.key() << " = " << p.value() << "\n";
  return o.str();
}

}  // namespace

std::string inspect(const fs::path& path) {
  if (!fs::exists(path)) throw IoError(path, "no such file or folder");
  auto ext = path.extension().string();
  if (ext == ".onnx") return inspect_onnx(path);
  if (ext != ".mlmodel" && ext != ".mlpackage") throw FormatError(path, "unknown model file type (expected .mlmodel, .mlpackage or .onnx)");
  auto m = read_model(path);
  std::ostringstream o;
  o << "Core ML model " << path.filename().string() << "\n";
  describe(o, m, "");
  if (m.has_mlprogram()) {  // signature, ops and weight blobs (mlprogram_check.cpp)
    if (fs::is_directory(path)) check_manifest(path);
    o << describe_mlprogram(m, path, "");
  }
  return o.str();
}

}  // namespace echoelml::exporter
