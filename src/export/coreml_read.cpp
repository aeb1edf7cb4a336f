// Reading .mlmodel files and .mlpackage folders.
#include <fstream>
#include <iterator>

#include "coreml_internal.h"
#include "echoelml/core/error.h"

namespace echoelml::exporter::detail {

namespace fs = std::filesystem;

fs::path package_weights(const fs::path& path) {
  if (fs::is_directory(path)) return path / "Data" / "com.apple.CoreML" / "weights" / "weight.bin";
  return {};
}

cml::Model read_model(const fs::path& path) {
  fs::path file = path;
  if (fs::is_directory(path)) {
    file = path / "Data" / "com.apple.CoreML" / "model.mlmodel";
    if (!fs::exists(path / "Manifest.json")) throw FormatError(path, "not an .mlpackage (Manifest.json missing)");
  }
  std::ifstream f(file, std::ios::binary);
  if (!f) throw IoError(file, "cannot open Core ML model");
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  cml::Model m;
  if (bytes.empty() || !m.ParseFromString(bytes))
    throw FormatError(file, "not a Core ML model (protobuf parse failed)");
  if (m.specificationversion() <= 0 && !m.has_description())
    throw FormatError(file, "not a Core ML model (no specification version and no description)");
  return m;
}

std::string type_name(const cml::FeatureType& t) {
  std::string s;
  switch (t.Type_case()) {
    case cml::FeatureType::kDoubleType: s = "Double"; break;
    case cml::FeatureType::kInt64Type: s = "Int64"; break;
    case cml::FeatureType::kStringType: s = "String"; break;
    case cml::FeatureType::kDictionaryType:
      s = t.dictionarytype().has_stringkeytype() ? "Dictionary<String,Double>" : "Dictionary<Int64,Double>";
      break;
    case cml::FeatureType::kMultiArrayType: {
      const auto& a = t.multiarraytype();
      s = a.datatype() == cml::ArrayFeatureType::DOUBLE    ? "MultiArray DOUBLE "
          : a.datatype() == cml::ArrayFeatureType::FLOAT32 ? "MultiArray FLOAT32 "
          : a.datatype() == cml::ArrayFeatureType::INT32   ? "MultiArray INT32 "
                                                           : "MultiArray ? ";
      s += shape_text(Shape(a.shape().begin(), a.shape().end()));
      break;
    }
    default: s = "<unset or unsupported type>";
  }
  if (t.isoptional()) s += " (optional)";
  return s;
}

}  // namespace echoelml::exporter::detail
