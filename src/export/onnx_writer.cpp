// ModelSpec -> ONNX (opset 13) over Debian libonnx's generated onnx-ml.pb.h.
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include "echoelml/core/atomic_file.h"
#include "echoelml/core/error.h"
#include "echoelml/export/onnx.h"
#include "echoelml/runtime/evaluate.h"

namespace echoelml::exporter {
namespace {

using runtime::Activation;
using runtime::LayerKind;

struct Graph {
  onnx::GraphProto* g;

  void init(const std::string& name, const std::vector<std::int64_t>& shape, const std::vector<float>& v) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : shape) t->add_dims(d);
    t->mutable_float_data()->Add(v.begin(), v.end());
  }
  void init_i64(const std::string& name, const std::vector<std::int64_t>& v) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<std::int64_t>(v.size()));
    t->mutable_int64_data()->Add(v.begin(), v.end());
  }
  onnx::NodeProto* node(const std::string& op, const std::string& name, std::vector<std::string> in, std::vector<std::string> out) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (auto& s : in) n->add_input(s);
    for (auto& s : out) n->add_output(s);
    return n;
  }
  void activation(Activation a, const std::string& name, const std::string& in, const std::string& out) {
    const char* op = a == Activation::Relu ? "Relu" : a == Activation::Sigmoid ? "Sigmoid" : a == Activation::Tanh ? "Tanh" : "Identity";
    node(op, name, {in}, {out});
  }
};

void value_info(onnx::ValueInfoProto* v, const std::string& name, const std::vector<std::int64_t>& shape, const std::string& doc) {
  v->set_name(name);
  v->set_doc_string(doc);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (auto d : shape) t->mutable_shape()->add_dim()->set_dim_value(d);
}

std::vector<float> transpose(const std::vector<float>& w, std::int64_t rows, std::int64_t cols) {
  std::vector<float> t(w.size());
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c = 0; c < cols; ++c) t[c * rows + r] = w[r * cols + c];
  return t;
}

}  // namespace

void export_onnx(const runtime::ModelSpec& spec, const std::filesystem::path& out, const OnnxOptions& opt) {
  if (opt.opset < 13) throw ParameterError("onnx: opset must be >= 13, got " + std::to_string(opt.opset));
  auto shapes = runtime::infer_shapes(spec);
  onnx::ModelProto model;
  model.set_ir_version(7);  // IR of ONNX 1.8+, readable by every onnxruntime since 1.6
  model.set_producer_name("echoelml");
  model.set_model_version(1);
  model.set_doc_string(spec.metadata.count("short_description") ? spec.metadata.at("short_description") : spec.name);
  model.add_opset_import()->set_version(opt.opset);
  for (const auto& [k, v] : spec.metadata) {
    auto* p = model.add_metadata_props();
    p->set_key(k);
    p->set_value(v);
  }
  Graph G{model.mutable_graph()};
  G.g->set_name(spec.name);
  for (const auto& io : spec.inputs) value_info(G.g->add_input(), io.name, io.shape, io.description);
  for (const auto& io : spec.outputs) value_info(G.g->add_output(), io.name, shapes.at(io.name), io.description);

  for (const auto& l : spec.layers) {
    const std::string p = l.name + "/";
    const std::string& x = l.inputs.front();
    switch (l.kind) {
      case LayerKind::Dense: {
        const auto& W = l.params[0];
        G.init(p + "WT", {W.shape[1], W.shape[0]}, transpose(W.values, W.shape[0], W.shape[1]));
        bool act = l.activation != Activation::Linear;
        std::string mm = l.params.size() > 1 || act ? p + "matmul" : l.output;
        G.node("MatMul", p + "MatMul", {x, p + "WT"}, {mm});
        std::string lin = mm;
        if (l.params.size() > 1) {
          G.init(p + "b", {W.shape[0]}, l.params[1].values);
          lin = act ? p + "linear" : l.output;
          G.node("Add", p + "Add", {mm, p + "b"}, {lin});
        }
        if (act) G.activation(l.activation, p + "act", lin, l.output);
        break;
      }
      case LayerKind::Activation: G.activation(l.activation, p + "act", x, l.output); break;
      case LayerKind::Softmax: {
        auto* n = G.node("Softmax", p + "Softmax", {x}, {l.output});
        auto* a = n->add_attribute();
        a->set_name("axis");
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(-1);
        break;
      }
      case LayerKind::Scale: {
        G.init(p + "scale", l.params[0].shape, l.params[0].values);
        if (l.params.size() > 1) {
          G.node("Mul", p + "Mul", {x, p + "scale"}, {p + "scaled"});
          G.init(p + "bias", l.params[1].shape, l.params[1].values);
          G.node("Add", p + "Add", {p + "scaled", p + "bias"}, {l.output});
        } else {
          G.node("Mul", p + "Mul", {x, p + "scale"}, {l.output});
        }
        break;
      }
      case LayerKind::Repeat:
        G.init_i64(p + "shape", {l.repeats, shapes.at(x)[0]});
        G.node("Expand", p + "Expand", {x, p + "shape"}, {l.output});
        break;
      case LayerKind::Lstm: {
        const std::int64_t H = l.hidden, I = shapes.at(x)[1];
        // PyTorch row blocks (i, f, g, o) -> ONNX (i, o, f, c).
        const int order[4] = {0, 3, 1, 2};
        std::vector<float> w, r, b;
        for (int k : order) {
          w.insert(w.end(), l.params[0].values.begin() + k * H * I, l.params[0].values.begin() + (k + 1) * H * I);
          r.insert(r.end(), l.params[1].values.begin() + k * H * H, l.params[1].values.begin() + (k + 1) * H * H);
          b.insert(b.end(), l.params[2].values.begin() + k * H, l.params[2].values.begin() + (k + 1) * H);
        }
        b.resize(8 * H, 0.0f);  // Wb = combined bias, Rb = 0
        G.init(p + "W", {1, 4 * H, I}, w);
        G.init(p + "R", {1, 4 * H, H}, r);
        G.init(p + "B", {1, 8 * H}, b);
        G.init_i64(p + "axis1", {1});
        G.init_i64(p + "axes12", {1, 2});
        G.node("Unsqueeze", p + "Unsqueeze", {x, p + "axis1"}, {p + "x3"});  // [T,I] -> [T,1,I]
        auto* n = G.node("LSTM", p + "LSTM", {p + "x3", p + "W", p + "R", p + "B"}, {p + "Y"});
        auto* a = n->add_attribute();
        a->set_name("hidden_size");
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(H);
        G.node("Squeeze", p + "Squeeze", {p + "Y", p + "axes12"}, {l.output});  // [T,1,1,H] -> [T,H]
        break;
      }
      case LayerKind::Concat: {
        auto* n = G.node("Concat", p + "Concat", l.inputs, {l.output});
        auto* a = n->add_attribute();
        a->set_name("axis");
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(-1);
        break;
      }
      case LayerKind::ReduceMax: {
        auto* n = G.node("ReduceMax", p + "ReduceMax", {x}, {l.output});
        auto* a = n->add_attribute();
        a->set_name("axes");
        a->set_type(onnx::AttributeProto::INTS);
        a->add_ints(-1);
        break;
      }
    }
  }
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw FormatError(out, std::string("onnx checker rejected the model: ") + e.what());
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw IoError(out, "protobuf serialisation failed");
  write_file_atomic(out, bytes);
}

}  // namespace echoelml::exporter
