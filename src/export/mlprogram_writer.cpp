// ModelSpec -> ML Program package (.mlpackage, spec 6, opset CoreML5 = iOS15 ops).
// Each ModelSpec layer becomes iOS15 MIL ops (coremltools/converters/mil/mil/ops/defs/iOS15):
//   Dense -> linear(x, weight[out,in], bias[out]) + relu/sigmoid/tanh
//   Softmax -> softmax(x, axis=-1); Scale -> mul + add (broadcast on the last axis)
//   Repeat -> expand_dims(axes=[0]) + tile(reps=[R,1]); Concat -> concat(values, axis=-1, interleave=false)
//   ReduceMax -> reduce_max(axes=[-1], keep_dims=true)
//   Lstm -> expand_dims(axes=[1]) + lstm(x[T,1,I], initial_h/c zeros[1,H], weights in MIL gate
//           order input,forget,output,cell) + squeeze(axes=[1])
// Parameters are const ops bound by name, as coremltools writes them; float consts of >= 10
// elements live in weights/weight.bin (coremltools' should_use_weight_file rule).
#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "echoelml/core/atomic_file.h"
#include "echoelml/core/error.h"
#include "echoelml/export/mlpackage.h"
#include "mlprogram_internal.h"

namespace echoelml::exporter {
namespace detail {
namespace {

namespace fs = std::filesystem;
using runtime::LayerKind;
using runtime::ModelSpec;

constexpr int kSpecVersionIOS15 = 6;
constexpr const char* kOpset = "CoreML5";          // opset of spec 6 (coremltools _OPSET)
constexpr std::size_t kWeightFileMinElements = 10;  // smaller float consts stay immediate

// Descriptions of the inputs (names and sizes come from coreml_input_slots, so the package
// takes exactly the inputs of the guide-layout .mlmodel).
std::string input_description(const std::string& name) {
  static const std::map<std::string, std::string> k = {
      {"tempo", "Tempo in BPM"},
      {"spectral_centroid", "Spectral centroid (units as in training, docs/export.md)"},
      {"spectral_rolloff", "Spectral roll-off"},
      {"zero_crossing_rate", "Zero-crossing rate, fraction 0-1"},
      {"rms", "RMS level, linear"},
      {"spectral_flux", "Spectral flux"},
      {"spectral_contrast", "Spectral contrast"},
      {"mfcc", "13 MFCC coefficients"},
      {"chroma", "12 chroma bins C..B, 0-1"},
      {"genre", "One-hot MusicGenre in enum order"},
      {"technique", "One-hot ProductionTechnique in enum order"},
      {"bars", "Pattern length in bars"},
      {"complexity", "Complexity 0-1"},
      {"features", "Technique features in training order (metadata com.echoelml.input_groups)"},
      {"spectrum", "Magnitude spectrum, 1024 bins 0 Hz..Nyquist, linear"}};
  auto it = k.find(name);
  return it == k.end() ? name : it->second;
}

// The interface lists inputs in the guide's ct.TensorType order (GenreClassifier's differs from
// the training order); the join concat keeps the training order.
std::vector<InputSlot> guide_description_order(AppModel am, std::vector<InputSlot> ins) {
  if (am != AppModel::GenreClassifier) return ins;
  static const std::vector<std::string> kOrder = {"tempo", "spectral_centroid", "spectral_rolloff", "zero_crossing_rate",
                                                  "mfcc", "chroma", "rms", "spectral_flux", "spectral_contrast"};
  std::stable_sort(ins.begin(), ins.end(), [](const InputSlot& a, const InputSlot& b) {
    return std::find(kOrder.begin(), kOrder.end(), a.name) < std::find(kOrder.begin(), kOrder.end(), b.name);
  });
  return ins;
}

struct GuideOutput {
  std::string name;
  Shape shape;
  std::string description;
};
std::vector<GuideOutput> guide_outputs(AppModel m, bool mix_heads) {
  switch (m) {
    case AppModel::GenreClassifier:
      return {{"genre", {8}, "Softmax probability per MusicGenre, enum order"}, {"confidence", {1}, "Top class probability 0-1"}};
    case AppModel::TechniqueRecognizer: return {{"techniques", {20}, "Sigmoid score 0-1 per ProductionTechnique, enum order"}};
    case AppModel::PatternGenerator:
      return {{"notes", {64, 4}, "64 notes x [MIDI pitch, MIDI velocity, start beat, duration beats]"}};
    case AppModel::MixAnalyzer:
      if (mix_heads)  // training's five heads, kept as in the guide
        return {{"freq_balance", {6}, "Relative level 0-1 of sub, bass, low-mid, mid, high-mid, high"},
                {"dynamic_range", {1}, "Dynamic range 20*log10(peak/rms) in dB"},
                {"stereo_width", {1}, "Stereo width 0-1"},
                {"peak_level", {1}, "Peak level, linear 0-1"},
                {"rms_level", {1}, "RMS level, linear 0-1"}};
      return {{"freq_balance", {6}, "Relative level 0-1 of sub, bass, low-mid, mid, high-mid, high"},
              {"levels", {4}, "dynamic_range (dB), stereo_width, peak_level, rms_level"}};
  }
  return {};
}

void set_tensor(mil::ValueType* t, mil::DataType dt, const Shape& shape) {
  auto* tt = t->mutable_tensortype();
  tt->set_datatype(dt);
  tt->set_rank(static_cast<std::int64_t>(shape.size()));
  for (auto d : shape) tt->add_dimensions()->mutable_constant()->set_size(static_cast<std::uint64_t>(d));
}

mil::Value string_value(const std::string& s) {
  mil::Value v;
  set_tensor(v.mutable_type(), mil::STRING, {});
  v.mutable_immediatevalue()->mutable_tensor()->mutable_strings()->add_values(s);
  return v;
}

// Emits ops into one block; tracks the shape of every value it defines.
class Builder {
 public:
  Builder(mil::Block* b, BlobWriter* w) : block_(b), blobs_(w) {}

  void define_input(const std::string& name, const Shape& s) { shapes_[name] = s; }
  const Shape& shape(const std::string& v) const { return shapes_.at(v); }

  std::string const_floats(const std::string& name, const Shape& s, const std::vector<float>& v) {
    mil::Value val;
    set_tensor(val.mutable_type(), mil::FLOAT32, s);
    if (v.size() >= kWeightFileMinElements) {
      auto* bf = val.mutable_blobfilevalue();
      bf->set_filename(kWeightFileRef);
      bf->set_offset(blobs_->add_fp32(v));
    } else {
      auto* f = val.mutable_immediatevalue()->mutable_tensor()->mutable_floats();
      for (float x : v) f->add_values(x);
    }
    return add_const(name, val, mil::FLOAT32, s);
  }
  std::string const_ints(const std::string& name, const std::vector<std::int32_t>& v, bool scalar = false) {
    mil::Value val;
    Shape s = scalar ? Shape{} : Shape{static_cast<std::int64_t>(v.size())};
    set_tensor(val.mutable_type(), mil::INT32, s);
    auto* f = val.mutable_immediatevalue()->mutable_tensor()->mutable_ints();
    for (auto x : v) f->add_values(x);
    return add_const(name, val, mil::INT32, s);
  }
  std::string const_bool(const std::string& name, bool b) {
    mil::Value val;
    set_tensor(val.mutable_type(), mil::BOOL, {});
    val.mutable_immediatevalue()->mutable_tensor()->mutable_bools()->add_values(b);
    return add_const(name, val, mil::BOOL, {});
  }
  std::string const_string(const std::string& name, const std::string& s) {
    return add_const(name, string_value(s), mil::STRING, {});
  }

  /// A non-const op with named inputs (each a list of value names) and fp32 outputs.
  void op(const std::string& type, const std::string& name,
          const std::vector<std::pair<std::string, std::vector<std::string>>>& inputs,
          const std::vector<std::pair<std::string, Shape>>& outputs) {
    auto* o = block_->add_operations();
    o->set_type(type);
    (*o->mutable_attributes())["name"] = string_value(unique(name));
    for (const auto& [param, args] : inputs) {
      auto& a = (*o->mutable_inputs())[param];
      for (const auto& v : args) {
        if (!shapes_.count(v) && !scalars_.count(v)) throw std::logic_error("mlprogram writer: value '" + v + "' used before definition");
        a.add_arguments()->set_name(v);
      }
    }
    for (const auto& [vn, s] : outputs) define(o, vn, mil::FLOAT32, s);
  }
  void finish(const std::vector<std::string>& outputs) {
    for (const auto& o : outputs) block_->add_outputs(o);
  }

 private:
  std::string add_const(const std::string& name, const mil::Value& val, mil::DataType dt, const Shape& s) {
    auto* o = block_->add_operations();
    o->set_type("const");
    const std::string n = unique(name);
    (*o->mutable_attributes())["name"] = string_value(n);
    (*o->mutable_attributes())["val"] = val;
    define(o, n, dt, s);
    return n;
  }
  void define(mil::Operation* o, const std::string& name, mil::DataType dt, const Shape& s) {
    if (shapes_.count(name) || scalars_.count(name)) throw std::logic_error("mlprogram writer: value '" + name + "' defined twice");
    auto* out = o->add_outputs();
    out->set_name(name);
    set_tensor(out->mutable_type(), dt, s);
    if (dt == mil::FLOAT32) shapes_[name] = s;
    else scalars_.insert(name);
  }
  std::string unique(const std::string& base) {
    std::string n = base;
    for (int i = 1; used_.count(n); ++i) n = base + "_" + std::to_string(i);
    used_.insert(n);
    return n;
  }

  mil::Block* block_;
  BlobWriter* blobs_;
  std::map<std::string, Shape> shapes_;
  std::set<std::string> scalars_, used_;
};

std::string sanitize(const std::string& s) {
  std::string o = s.empty() ? "v" : s;
  for (char& c : o)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  if (std::isdigit(static_cast<unsigned char>(o[0]))) o = "_" + o;
  return o;
}

const char* act_op(runtime::Activation a) {
  switch (a) {
    case runtime::Activation::Relu: return "relu";
    case runtime::Activation::Sigmoid: return "sigmoid";
    case runtime::Activation::Tanh: return "tanh";
    case runtime::Activation::Linear: return "identity";
  }
  return "identity";
}

// PyTorch gate blocks (i, f, g, o) -> MIL (i, f, o, g); each block is H rows of `cols`.
std::vector<float> mil_gate_order(const std::vector<float>& w, std::int64_t H, std::int64_t cols) {
  std::vector<float> out;
  out.reserve(w.size());
  for (int g : {0, 1, 3, 2}) out.insert(out.end(), w.begin() + g * H * cols, w.begin() + (g + 1) * H * cols);
  return out;
}

void emit_layers(Builder& b, const ModelSpec& s, const std::map<std::string, std::string>& names) {
  auto nm = [&](const std::string& blob) { return names.at(blob); };
  for (const auto& l : s.layers) {
    const std::string x = nm(l.inputs.at(0)), out = nm(l.output), p = sanitize(l.name);
    const Shape xs = b.shape(x);
    switch (l.kind) {
      case LayerKind::Dense: {
        const auto& w = l.params.at(0);
        Shape ys = xs;
        ys.back() = w.shape[0];
        std::vector<std::pair<std::string, std::vector<std::string>>> in{{"x", {x}}, {"weight", {b.const_floats(p + "_weight", w.shape, w.values)}}};
        if (l.params.size() > 1) in.push_back({"bias", {b.const_floats(p + "_bias", l.params[1].shape, l.params[1].values)}});
        if (l.activation == runtime::Activation::Linear) {
          b.op("linear", p, in, {{out, ys}});
        } else {
          b.op("linear", p, in, {{out + "_linear", ys}});
          b.op(act_op(l.activation), p + "_act", {{"x", {out + "_linear"}}}, {{out, ys}});
        }
        break;
      }
      case LayerKind::Activation: b.op(act_op(l.activation), p, {{"x", {x}}}, {{out, xs}}); break;
      case LayerKind::Softmax: b.op("softmax", p, {{"x", {x}}, {"axis", {b.const_ints(p + "_axis", {-1}, true)}}}, {{out, xs}}); break;
      case LayerKind::Scale: {
        const auto& sc = l.params.at(0);
        const bool bias = l.params.size() > 1;
        b.op("mul", p, {{"x", {x}}, {"y", {b.const_floats(p + "_scale", sc.shape, sc.values)}}}, {{bias ? out + "_scaled" : out, xs}});
        if (bias)
          b.op("add", p + "_bias", {{"x", {out + "_scaled"}}, {"y", {b.const_floats(p + "_offset", l.params[1].shape, l.params[1].values)}}},
               {{out, xs}});
        break;
      }
      case LayerKind::Repeat:
        b.op("expand_dims", p + "_expand", {{"x", {x}}, {"axes", {b.const_ints(p + "_axes", {0})}}}, {{out + "_row", {1, xs[0]}}});
        b.op("tile", p, {{"x", {out + "_row"}}, {"reps", {b.const_ints(p + "_reps", {l.repeats, 1})}}}, {{out, {l.repeats, xs[0]}}});
        break;
      case LayerKind::Lstm: {
        const std::int64_t T = xs[0], I = xs[1], H = l.hidden;
        b.op("expand_dims", p + "_expand", {{"x", {x}}, {"axes", {b.const_ints(p + "_axes", {1})}}}, {{out + "_seq_in", {T, 1, I}}});
        std::vector<std::pair<std::string, std::vector<std::string>>> in{
            {"x", {out + "_seq_in"}},
            {"initial_h", {b.const_floats(p + "_h0", {1, H}, std::vector<float>(H, 0.0f))}},
            {"initial_c", {b.const_floats(p + "_c0", {1, H}, std::vector<float>(H, 0.0f))}},
            {"weight_ih", {b.const_floats(p + "_weight_ih", {4 * H, I}, mil_gate_order(l.params[0].values, H, I))}},
            {"weight_hh", {b.const_floats(p + "_weight_hh", {4 * H, H}, mil_gate_order(l.params[1].values, H, H))}},
            {"bias", {b.const_floats(p + "_bias", {4 * H}, mil_gate_order(l.params[2].values, H, 1))}},
            {"direction", {b.const_string(p + "_direction", "forward")}},
            {"output_sequence", {b.const_bool(p + "_output_sequence", true)}},
            {"recurrent_activation", {b.const_string(p + "_recurrent_activation", "sigmoid")}},
            {"cell_activation", {b.const_string(p + "_cell_activation", "tanh")}},
            {"activation", {b.const_string(p + "_activation", "tanh")}}};
        b.op("lstm", p, in, {{out + "_seq", {T, 1, H}}, {out + "_h", {1, H}}, {out + "_c", {1, H}}});
        b.op("squeeze", p + "_squeeze", {{"x", {out + "_seq"}}, {"axes", {b.const_ints(p + "_squeeze_axes", {1})}}}, {{out, {T, H}}});
        break;
      }
      case LayerKind::Concat: {
        std::vector<std::string> vals;
        Shape ys = xs;
        ys.back() = 0;
        for (const auto& i : l.inputs) {
          vals.push_back(nm(i));
          ys.back() += b.shape(nm(i)).back();
        }
        b.op("concat", p,
             {{"values", vals}, {"axis", {b.const_ints(p + "_axis", {-1}, true)}}, {"interleave", {b.const_bool(p + "_interleave", false)}}},
             {{out, ys}});
        break;
      }
      case LayerKind::ReduceMax: {
        Shape ys = xs;
        ys.back() = 1;
        b.op("reduce_max", p,
             {{"x", {x}}, {"axes", {b.const_ints(p + "_axes", {-1})}}, {"keep_dims", {b.const_bool(p + "_keep_dims", true)}}},
             {{out, ys}});
        break;
      }
    }
  }
}

void set_feature(cml::FeatureDescription* f, const std::string& name, const Shape& s, const std::string& desc) {
  f->set_name(name);
  f->set_shortdescription(desc);
  auto* a = f->mutable_type()->mutable_multiarraytype();
  a->set_datatype(cml::ArrayFeatureType::FLOAT32);
  for (auto d : s) a->add_shape(d);
}

std::string meta(const ModelSpec& s, const std::string& key, const std::string& fallback) {
  auto it = s.metadata.find(key);
  return it == s.metadata.end() || it->second.empty() ? fallback : it->second;
}

[[noreturn]] void app_layout_impossible(const ModelSpec& spec, AppModel am) {
  std::string why;
  switch (am) {
    case AppModel::GenreClassifier:
      why = "the app sends 7 Double scalars, and an ML Program's inputs must be tensors (MultiArray); it also reads "
            "'confidence' as a Double, which an ML Program cannot output (only a classify op yields String/Dictionary)";
      break;
    case AppModel::TechniqueRecognizer:
      why = "the app sends 4 Double scalars (ML Program inputs must be MultiArray) and reads 20 Double outputs named "
            "'Tension & Release' ..., but ML Program outputs are tensors and names must match [A-Za-z_][A-Za-z0-9_@]*";
      break;
    case AppModel::PatternGenerator:
      why = "the app sends tempo, bars and complexity as Double scalars, and an ML Program's inputs must be MultiArray";
      break;
    case AppModel::MixAnalyzer: why = ""; break;
  }
  throw ParameterError("ML Program export of model '" + spec.name + "' in the app layout is impossible: " + why +
                       ". Use --layout guide for .mlpackage, or the .mlmodel pipeline for the app (docs/mlprogram.md)");
}

cml::Model build_model(const ModelSpec& spec_in, AppModel am, const MLPackageOptions& opt, BlobWriter* blobs) {
  // App layout: only MixAnalyzer (the app just loads it; its spectrum input is a FLOAT32 array).
  if (opt.layout == CoreMLLayout::App && am != AppModel::MixAnalyzer) app_layout_impossible(spec_in, am);
  ModelSpec s = spec_in;
  auto require = [&](bool ok, const std::string& what) {
    if (!ok) throw ParameterError("ML Program export of model '" + s.name + "': " + what);
  };
  require(s.inputs.size() == 1, "needs exactly one input (the feature vector), has " + std::to_string(s.inputs.size()));
  const auto ins = coreml_input_slots(s, CoreMLOptions{.layout = CoreMLLayout::Guide, .model = am});
  std::int64_t n = 0;
  for (const auto& i : ins) n += i.size;
  require(s.inputs[0].shape == Shape{n}, "input must be [" + std::to_string(n) + "], is " + shape_text(s.inputs[0].shape));
  const auto outs = guide_outputs(am, am == AppModel::MixAnalyzer && s.outputs.size() == 5);
  if (am == AppModel::GenreClassifier && s.outputs.size() == 1) {
    // No confidence head: confidence = top probability (as the .mlmodel export does).
    s.layers.push_back({LayerKind::ReduceMax, "confidence_max", {s.outputs[0].name}, "__confidence", runtime::Activation::Linear, {}, 0, 0});
    s.outputs.push_back({"__confidence", {1}, ""});
  }
  auto shapes = runtime::infer_shapes(s);
  require(s.outputs.size() == outs.size(), "needs " + std::to_string(outs.size()) + " outputs, has " + std::to_string(s.outputs.size()));

  // MIL value names: model inputs/outputs by their interface names, the rest "t_<blob>".
  std::map<std::string, std::string> names;
  std::set<std::string> taken;
  for (const auto& i : ins) taken.insert(i.name);
  for (std::size_t k = 0; k < outs.size(); ++k) {
    require(shapes.at(s.outputs[k].name) == outs[k].shape, "output " + std::to_string(k) + " ('" + s.outputs[k].name + "') must be " +
                                                               shape_text(outs[k].shape) + ", is " + shape_text(shapes.at(s.outputs[k].name)));
    require(!names.count(s.outputs[k].name), "output '" + s.outputs[k].name + "' is listed twice");
    require(s.outputs[k].name != s.inputs[0].name, "an output may not be the input itself");
    names[s.outputs[k].name] = outs[k].name;
    taken.insert(outs[k].name);
  }
  const bool single = ins.size() == 1;
  names[s.inputs[0].name] = single ? ins[0].name : "t_features";
  for (const auto& l : s.layers)
    if (!names.count(l.output)) {
      std::string base = "t_" + sanitize(l.output), v = base;
      for (int i = 1; taken.count(v); ++i) v = base + "_" + std::to_string(i);
      taken.insert(v);
      names[l.output] = v;
    }

  cml::Model m;
  m.set_specificationversion(kSpecVersionIOS15);
  auto* prog = m.mutable_mlprogram();
  prog->set_version(1);
  auto& fn = (*prog->mutable_functions())["main"];
  fn.set_opset(kOpset);
  auto& block = (*fn.mutable_block_specializations())[kOpset];
  Builder b(&block, blobs);
  auto* d = m.mutable_description();
  for (const auto& i : guide_description_order(am, ins)) {
    auto* fi = fn.add_inputs();
    fi->set_name(i.name);
    set_tensor(fi->mutable_type(), mil::FLOAT32, {i.size});
    b.define_input(i.name, {i.size});
    set_feature(d->add_input(), i.name, {i.size}, input_description(i.name));
  }
  if (!single) {
    std::vector<std::string> vals;
    for (const auto& i : ins) vals.push_back(i.name);
    b.op("concat", "join_inputs",
         {{"values", vals}, {"axis", {b.const_ints("join_inputs_axis", {0}, true)}}, {"interleave", {b.const_bool("join_inputs_interleave", false)}}},
         {{"t_features", {n}}});
  }
  emit_layers(b, s, names);
  std::vector<std::string> out_names;
  for (const auto& o : outs) {
    out_names.push_back(o.name);
    set_feature(d->add_output(), o.name, o.shape, o.description);
  }
  b.finish(out_names);

  static const std::map<AppModel, std::string> kDefault = {
      {AppModel::GenreClassifier, "Genre probabilities (8 MusicGenre classes) from audio features"},
      {AppModel::TechniqueRecognizer, "Scores 20 production techniques (0-1) from buffer statistics"},
      {AppModel::PatternGenerator, "Generates 64 MIDI notes [pitch, velocity, start beat, duration beats]"},
      {AppModel::MixAnalyzer, "Estimates band balance and levels from a magnitude spectrum"}};
  auto* md = d->mutable_metadata();
  md->set_shortdescription(meta(spec_in, "short_description", kDefault.at(am)));
  md->set_author(meta(spec_in, "author", "echoelml"));
  md->set_license(meta(spec_in, "license", "GPL-3.0"));
  md->set_versionstring(meta(spec_in, "version", "1.0"));
  auto& ud = *md->mutable_userdefined();
  ud["com.echoelml.format"] = "mlprogram";
  ud["com.echoelml.layout"] = opt.layout == CoreMLLayout::App ? "app" : "guide";
  ud["com.echoelml.weights"] = "float32";
  for (const auto& [k, v] : spec_in.metadata)
    if (k != "short_description" && k != "author" && k != "license" && k != "version") ud["com.echoelml." + k] = v;
  return m;
}

void remove_quietly(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
}

}  // namespace
}  // namespace detail

void export_mlpackage(const runtime::ModelSpec& spec, const std::filesystem::path& out_dir, const MLPackageOptions& opt) {
  namespace fs = std::filesystem;
  using namespace detail;
  if (out_dir.filename().empty()) throw ParameterError("export_mlpackage: output path '" + out_dir.string() + "' has no folder name");
  const AppModel am = opt.model ? *opt.model : parse_app_model(spec.name);
  BlobWriter blobs;
  cml::Model m = build_model(spec, am, opt, &blobs);
  std::string model_bytes;
  {
    // Deterministic: map fields (op inputs/attributes) in key order, so a spec gives identical bytes.
    google::protobuf::io::StringOutputStream sos(&model_bytes);
    google::protobuf::io::CodedOutputStream cos(&sos);
    cos.SetSerializationDeterministic(true);
    if (!m.SerializeToCodedStream(&cos)) throw IoError(out_dir, "protobuf serialisation of the ML Program failed");
  }

  // Build the whole package in a sibling temp folder, then rename it into place.
  const fs::path tmp = temp_path_for(out_dir);
  try {
    const fs::path data = tmp / "Data" / "com.apple.CoreML";
    fs::create_directories(data / "weights");
    write_file_atomic(data / "model.mlmodel", model_bytes);
    write_file_atomic(data / "weights" / "weight.bin", blobs.bytes());
    write_file_atomic(tmp / "Manifest.json", manifest_json(spec.name + "\n" + model_bytes));
  } catch (const fs::filesystem_error& e) {
    remove_quietly(tmp);
    throw IoError(out_dir, std::string("cannot create the package folder: ") + e.what());
  } catch (...) {
    remove_quietly(tmp);
    throw;
  }
  // A folder cannot be renamed over a non-empty one: move the old package aside first, so the
  // target is always either the old complete package, absent for an instant, or the new one.
  std::error_code ec;
  fs::path old;
  if (fs::exists(out_dir)) {
    old = temp_path_for(out_dir);
    fs::rename(out_dir, old, ec);
    if (ec) {
      remove_quietly(tmp);
      throw IoError(out_dir, "cannot move the existing package aside: " + ec.message());
    }
  }
  fs::rename(tmp, out_dir, ec);
  if (ec) {
    remove_quietly(tmp);
    if (!old.empty()) fs::rename(old, out_dir, ec);
    throw IoError(out_dir, "cannot rename the temporary package into place");
  }
  if (!old.empty()) remove_quietly(old);
}

}  // namespace echoelml::exporter
