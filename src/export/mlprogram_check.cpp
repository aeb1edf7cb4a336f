// ML Program validation rules and the printable description used by `inspect`.
// Rules ported from coremltools: ProgramValidator (main function, signature == model
// description, defined names), MIL.proto identifier rule, and the converter's I/O dtype rule
// ("ML Program models only support fp32 and int32 inputs/outputs"; fp16 from iOS16 = spec 7).
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "echoelml/core/error.h"
#include "mlprogram_internal.h"

namespace echoelml::exporter::detail {

namespace fs = std::filesystem;

const mil::Block& main_block(const cml::Model& m, const fs::path& where) {
  const auto& p = m.mlprogram();
  auto f = p.functions().find("main");
  if (f == p.functions().end()) throw FormatError(where, "ML Program has no 'main' function");
  auto b = f->second.block_specializations().find(f->second.opset());
  if (b == f->second.block_specializations().end())
    throw FormatError(where, "ML Program main function has no block for its opset '" + f->second.opset() + "'");
  return b->second;
}

namespace {

const char* dtype_name(mil::DataType t) {
  switch (t) {
    case mil::BOOL: return "bool";
    case mil::STRING: return "string";
    case mil::FLOAT16: return "fp16";
    case mil::FLOAT32: return "fp32";
    case mil::FLOAT64: return "fp64";
    case mil::INT32: return "int32";
    case mil::INT64: return "int64";
    case mil::INT8: return "int8";
    case mil::UINT8: return "uint8";
    default: return "other";
  }
}

Shape tensor_shape(const mil::TensorType& t) {
  Shape s;
  for (const auto& d : t.dimensions()) s.push_back(d.has_constant() ? static_cast<std::int64_t>(d.constant().size()) : -1);
  return s;
}

// Identifiers in MIL.proto: [A-Za-z_][A-Za-z0-9_@]*
bool is_identifier(const std::string& s) {
  static const std::regex re("[A-Za-z_][A-Za-z0-9_@]*");
  return std::regex_match(s, re);
}

int opset_spec_version(const std::string& opset) {
  static const std::map<std::string, int> k = {{"CoreML5", 6}, {"CoreML6", 7}, {"CoreML7", 8}, {"CoreML8", 9}};
  auto it = k.find(opset);
  return it == k.end() ? -1 : it->second;
}

std::string op_name(const mil::Operation& o) {
  auto it = o.attributes().find("name");
  if (it == o.attributes().end() || !it->second.immediatevalue().tensor().has_strings() ||
      it->second.immediatevalue().tensor().strings().values_size() != 1)
    return "";
  return it->second.immediatevalue().tensor().strings().values(0);
}

}  // namespace

std::string value_type_text(const mil::ValueType& t) {
  if (t.has_tensortype()) {
    const auto& tt = t.tensortype();
    std::string s = std::string(dtype_name(tt.datatype())) + " " + shape_text(tensor_shape(tt));
    return s;
  }
  if (t.has_listtype()) return "list<" + value_type_text(t.listtype().type()) + ">";
  if (t.has_dictionarytype()) return "dict<" + value_type_text(t.dictionarytype().keytype()) + "," + value_type_text(t.dictionarytype().valuetype()) + ">";
  if (t.has_tupletype()) return "tuple";
  return "<no type>";
}

void validate_mlprogram(const cml::Model& m, const fs::path& package, const std::string& w, std::vector<std::string>* errors) {
  auto err = [&](const std::string& what) { errors->push_back(w + ": " + what); };
  const int v = m.specificationversion();
  if (v < 6) err("ML Programs need specificationVersion >= 6, got " + std::to_string(v));
  if (!fs::is_directory(package)) err("an ML Program must be saved as an .mlpackage (its weights live beside the model)");
  else {
    try {
      check_manifest(package);
    } catch (const Error& e) {
      err(e.what());
    }
  }
  const auto& p = m.mlprogram();
  if (p.version() != 1) err("Program.version must be 1, got " + std::to_string(p.version()));
  auto fit = p.functions().find("main");
  if (fit == p.functions().end()) return err("Program does not include a 'main' function.");
  const auto& fn = fit->second;
  const int need = opset_spec_version(fn.opset());
  if (need < 0) err("unknown opset '" + fn.opset() + "'");
  else if (v < need) err("opset " + fn.opset() + " needs specificationVersion >= " + std::to_string(need));
  auto bit = fn.block_specializations().find(fn.opset());
  if (bit == fn.block_specializations().end()) return err("main has no block for its opset '" + fn.opset() + "'");
  const auto& block = bit->second;
  const auto& d = m.description();

  // Names in scope with their types: function inputs, then op outputs in order (SSA).
  std::map<std::string, mil::ValueType> scope;
  for (const auto& in : fn.inputs()) {
    if (!is_identifier(in.name())) err("function input '" + in.name() + "' is not a valid identifier");
    if (!in.type().has_tensortype()) err("function input '" + in.name() + "' must be a tensor");
    if (!scope.emplace(in.name(), in.type()).second) err("function input '" + in.name() + "' declared twice");
  }
  std::unique_ptr<BlobFile> blobs;
  std::set<std::string> op_names;
  for (const auto& o : block.operations()) {
    const std::string name = op_name(o);
    const std::string ow = "op '" + name + "' (" + o.type() + ")";
    if (name.empty()) err("an operation of type '" + o.type() + "' has no name");
    else if (!op_names.insert(name).second) err(ow + ": operation name used twice");
    for (const auto& [param, arg] : o.inputs()) {
      if (arg.arguments_size() == 0) err(ow + ": parameter '" + param + "' has no arguments");
      for (const auto& b : arg.arguments())
        if (b.has_name() && !scope.count(b.name())) err(ow + ": undefined value '" + b.name() + "' used as input '" + param + "'");
    }
    if (o.type() == "const") {
      auto val = o.attributes().find("val");
      if (val == o.attributes().end()) err(ow + ": const without a 'val' attribute");
      else if (val->second.has_blobfilevalue()) {
        const auto& bf = val->second.blobfilevalue();
        const std::string prefix = "@model_path/";
        if (bf.filename().rfind(prefix, 0) != 0) {
          err(ow + ": weight file '" + bf.filename() + "' is not inside the package (@model_path/...)");
        } else {
          try {
            if (!blobs) blobs = std::make_unique<BlobFile>(package / "Data" / "com.apple.CoreML" / bf.filename().substr(prefix.size()));
            const auto& tt = val->second.type().tensortype();
            std::uint64_t n = 1;
            for (auto x : tensor_shape(tt)) n *= static_cast<std::uint64_t>(x < 0 ? 0 : x);
            BlobInfo bi = blobs->info(bf.offset());
            std::uint64_t esize = tt.datatype() == mil::FLOAT16 ? 2 : tt.datatype() == mil::FLOAT32 ? 4 : 1;
            if ((tt.datatype() == mil::FLOAT32) != (bi.type == BlobType::Float32) || bi.size_bytes != n * esize)
              err(ow + ": blob at offset " + std::to_string(bf.offset()) + " (" + blob_type_name(bi.type) + ", " +
                  std::to_string(bi.size_bytes) + " bytes) does not match the const type " + value_type_text(val->second.type()));
          } catch (const Error& e) {
            err(ow + ": " + e.what());
          }
        }
      }
    }
    for (const auto& out : o.outputs()) {
      if (!is_identifier(out.name())) err(ow + ": output name '" + out.name() + "' is not a valid identifier");
      if (!scope.emplace(out.name(), out.type()).second) err(ow + ": value '" + out.name() + "' defined twice");
    }
  }

  // The model description must match main's signature (names, counts, tensor dtype/rank/shape).
  if (d.input_size() != fn.inputs_size()) err("Model and main function must have same number of inputs.");
  if (d.output_size() != block.outputs_size()) err("Model and main function must have same number of outputs.");
  auto dtype_ok = [&](cml::ArrayFeatureType::ArrayDataType a, mil::DataType t) {
    return (a == cml::ArrayFeatureType::FLOAT32 && t == mil::FLOAT32) || (a == cml::ArrayFeatureType::INT32 && t == mil::INT32) ||
           (a == cml::ArrayFeatureType::FLOAT16 && t == mil::FLOAT16 && v >= 7);
  };
  auto check_io = [&](const cml::FeatureDescription& f, const mil::ValueType* t, const char* kind) {
    const std::string fw = std::string(kind) + " '" + f.name() + "'";
    if (!t) return err(fw + ": main function has no such " + (kind[0] == 'i' ? "parameter" : "return value"));
    if (!f.type().has_multiarraytype()) return err(fw + ": ML Program " + kind + "s must be MultiArray (tensors), not " + type_name(f.type()));
    if (!t->has_tensortype()) return err(fw + ": Main function " + kind + "s must be tensors.");
    const auto& a = f.type().multiarraytype();
    if (!dtype_ok(a.datatype(), t->tensortype().datatype()))
      err(fw + ": MultiArray data type does not match the program's " + value_type_text(*t) +
          " (ML Programs take FLOAT32 or INT32; FLOAT16 needs spec >= 7)");
    Shape want(a.shape().begin(), a.shape().end());
    if (want != tensor_shape(t->tensortype())) err(fw + ": shape " + shape_text(want) + " differs from the program's " + value_type_text(*t));
  };
  for (const auto& f : d.input()) {
    const mil::ValueType* t = nullptr;
    for (const auto& in : fn.inputs())
      if (in.name() == f.name()) t = &in.type();
    check_io(f, t, "input");
  }
  for (int i = 0; i < block.outputs_size(); ++i) {
    auto it = scope.find(block.outputs(i));
    if (it == scope.end()) {
      err("Undefined value '" + block.outputs(i) + "' used as block output.");
      continue;
    }
    if (i >= d.output_size()) continue;
    const auto& f = d.output(i);
    if (f.name() != block.outputs(i)) err("output " + std::to_string(i) + " is '" + f.name() + "' in the description but '" + block.outputs(i) + "' in the program");
    const bool classifier_out = !d.predictedfeaturename().empty() &&
                                (f.name() == d.predictedfeaturename() || f.name() == d.predictedprobabilitiesname());
    if (!classifier_out) check_io(f, &it->second, "output");
  }
}

std::string describe_mlprogram(const cml::Model& m, const fs::path& package, const std::string& ind) {
  std::ostringstream o;
  const auto& p = m.mlprogram();
  o << ind << "mlProgram version " << p.version() << ", " << p.functions_size() << " function(s)\n";
  std::map<std::uint64_t, std::string> blob_users;  // weight blob offset -> const of main using it
  for (const auto& [fname, fn] : p.functions()) {
    o << ind << "function " << fname << " (opset " << fn.opset() << ")\n";
    for (const auto& in : fn.inputs()) o << ind << "  input  " << in.name() << ": " << value_type_text(in.type()) << "\n";
    auto bit = fn.block_specializations().find(fn.opset());
    if (bit == fn.block_specializations().end()) {
      o << ind << "  (no block for its opset)\n";
      continue;
    }
    const auto& block = bit->second;
    std::map<std::string, const mil::ValueType*> types;
    std::map<std::string, int> histogram;
    int consts = 0;
    for (const auto& op : block.operations()) {
      for (const auto& out : op.outputs()) types[out.name()] = &out.type();
      if (op.type() == "const") {
        ++consts;
        auto val = op.attributes().find("val");
        if (fname == "main" && val != op.attributes().end() && val->second.has_blobfilevalue() && op.outputs_size() == 1)
          blob_users[val->second.blobfilevalue().offset()] = op.outputs(0).name() + " " + value_type_text(op.outputs(0).type());
        continue;
      }
      ++histogram[op.type()];
      o << ind << "  - " << op.type() << " '" << op_name(op) << "' (";
      bool first = true;
      const std::map<std::string, mil::Argument> sorted(op.inputs().begin(), op.inputs().end());
      for (const auto& [param, arg] : sorted) {
        o << (first ? "" : ", ") << param << "=";
        first = false;
        for (int i = 0; i < arg.arguments_size(); ++i) o << (i ? "|" : "") << (arg.arguments(i).has_name() ? arg.arguments(i).name() : "<literal>");
      }
      o << ") ->";
      for (const auto& out : op.outputs()) o << " " << out.name() << ": " << value_type_text(out.type());
      o << "\n";
    }
    o << ind << "  outputs:";
    for (const auto& out : block.outputs()) o << " " << out << (types.count(out) ? " (" + value_type_text(*types[out]) + ")" : "");
    o << "\n" << ind << "  " << consts << " const ops; op counts:";
    for (const auto& [t, n] : histogram) o << " " << t << " x" << n;
    o << "\n";
  }
  const fs::path wf = package / "Data" / "com.apple.CoreML" / "weights" / "weight.bin";
  if (fs::exists(wf)) {
    BlobFile bf(wf);
    auto list = bf.list();
    std::uint64_t total = 0;
    for (const auto& b : list) total += b.size_bytes;
    o << ind << "weights/weight.bin: " << list.size() << " blobs, " << total << " data bytes, file " << fs::file_size(wf) << " bytes\n";
    for (const auto& b : list)
      o << ind << "  blob @" << b.metadata_offset << ": " << blob_type_name(b.type) << ", " << b.size_bytes << " bytes"
        << (blob_users.count(b.metadata_offset) ? " <- " + blob_users[b.metadata_offset] : std::string(" (unused)")) << "\n";
  } else {
    o << ind << "no weights/weight.bin\n";
  }
  return o.str();
}

}  // namespace echoelml::exporter::detail
