#include "echoelml/runtime/evaluate.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "echoelml/core/error.h"

namespace echoelml::runtime {
namespace {

std::string shape_str(const Shape& s) {
  std::ostringstream o;
  o << '[';
  for (std::size_t i = 0; i < s.size(); ++i) o << (i ? "," : "") << s[i];
  o << ']';
  return o.str();
}

[[noreturn]] void fail(const ModelSpec& spec, const Layer* layer, const std::string& what) {
  std::string where = "model '" + spec.name + "'";
  if (layer) where += ", layer '" + layer->name + "'";
  throw ParameterError(where + ": " + what);
}

void expect_param(const ModelSpec& spec, const Layer& l, std::size_t i, const Shape& want) {
  if (l.params.size() <= i) fail(spec, &l, "missing parameter " + std::to_string(i));
  const Tensor& t = l.params[i];
  if (t.shape != want)
    fail(spec, &l, "parameter " + std::to_string(i) + " has shape " + shape_str(t.shape) +
                       ", expected " + shape_str(want));
  if (static_cast<std::int64_t>(t.values.size()) != element_count(t.shape))
    fail(spec, &l, "parameter " + std::to_string(i) + " holds " + std::to_string(t.values.size()) +
                       " values for shape " + shape_str(t.shape));
}

Shape layer_shape(const ModelSpec& spec, const Layer& l, const std::vector<Shape>& in) {
  auto one_input = [&] {
    if (in.size() != 1) fail(spec, &l, "needs exactly one input, got " + std::to_string(in.size()));
    return in[0];
  };
  switch (l.kind) {
    case LayerKind::Dense: {
      Shape x = one_input();
      if (x.size() != 1 && x.size() != 2) fail(spec, &l, "dense input must be [in] or [T,in], got " + shape_str(x));
      if (l.params.empty()) fail(spec, &l, "dense needs {weight[out,in], bias[out]}");
      std::int64_t out = l.params[0].shape.empty() ? 0 : l.params[0].shape[0];
      expect_param(spec, l, 0, {out, x.back()});
      if (l.params.size() > 1) expect_param(spec, l, 1, {out});
      if (l.params.size() > 2) fail(spec, &l, "dense has more than 2 parameters");
      x.back() = out;
      return x;
    }
    case LayerKind::Activation:
    case LayerKind::Softmax:
      return one_input();
    case LayerKind::Scale: {
      Shape x = one_input();
      if (x.empty()) fail(spec, &l, "scale input has rank 0");
      if (l.params.empty() || l.params.size() > 2) fail(spec, &l, "scale needs {scale[C]} or {scale[C], bias[C]}");
      for (std::size_t i = 0; i < l.params.size(); ++i) {
        const Shape& s = l.params[i].shape;
        Shape want = (s == Shape{1}) ? Shape{1} : Shape{x.back()};
        expect_param(spec, l, i, want);
      }
      return x;
    }
    case LayerKind::Repeat: {
      Shape x = one_input();
      if (x.size() != 1) fail(spec, &l, "repeat input must be rank 1, got " + shape_str(x));
      if (l.repeats <= 0) fail(spec, &l, "repeats must be > 0, got " + std::to_string(l.repeats));
      return {l.repeats, x[0]};
    }
    case LayerKind::Lstm: {
      Shape x = one_input();
      if (x.size() != 2) fail(spec, &l, "lstm input must be [T,in], got " + shape_str(x));
      if (l.hidden <= 0) fail(spec, &l, "hidden must be > 0, got " + std::to_string(l.hidden));
      std::int64_t h = l.hidden;
      expect_param(spec, l, 0, {4 * h, x[1]});
      expect_param(spec, l, 1, {4 * h, h});
      expect_param(spec, l, 2, {4 * h});
      if (l.params.size() != 3) fail(spec, &l, "lstm needs exactly {weight_ih, weight_hh, bias}");
      return {x[0], h};
    }
    case LayerKind::Concat: {
      if (in.empty()) fail(spec, &l, "concat needs at least one input");
      Shape out = in[0];
      if (out.empty()) fail(spec, &l, "concat input has rank 0");
      for (std::size_t i = 1; i < in.size(); ++i) {
        if (in[i].size() != out.size() || !std::equal(out.begin(), out.end() - 1, in[i].begin()))
          fail(spec, &l, "concat inputs differ in leading axes: " + shape_str(out) + " vs " + shape_str(in[i]));
        out.back() += in[i].back();
      }
      return out;
    }
    case LayerKind::ReduceMax: {
      Shape x = one_input();
      if (x.empty()) fail(spec, &l, "reduce_max input has rank 0");
      x.back() = 1;
      return x;
    }
  }
  fail(spec, &l, "unknown layer kind");
}

// ---- kernels ---------------------------------------------------------------------------

float activate(Activation a, float x) {
  switch (a) {
    case Activation::Linear: return x;
    case Activation::Relu: return x > 0.0f ? x : 0.0f;
    case Activation::Sigmoid: return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x))));
    case Activation::Tanh: return static_cast<float>(std::tanh(static_cast<double>(x)));
  }
  return x;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

Tensor dense(const Layer& l, const Tensor& x) {
  const Tensor& w = l.params[0];
  std::int64_t out = w.shape[0], n_in = w.shape[1];
  std::int64_t rows = element_count(x.shape) / n_in;
  Tensor y{x.shape, std::vector<float>(static_cast<std::size_t>(rows * out))};
  y.shape.back() = out;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t o = 0; o < out; ++o) {
      double acc = l.params.size() > 1 ? l.params[1].values[o] : 0.0;
      const float* wr = &w.values[o * n_in];
      const float* xr = &x.values[r * n_in];
      for (std::int64_t i = 0; i < n_in; ++i) acc += static_cast<double>(wr[i]) * xr[i];
      y.values[r * out + o] = activate(l.activation, static_cast<float>(acc));
    }
  return y;
}

Tensor softmax(const Tensor& x) {
  Tensor y = x;
  std::int64_t c = x.shape.back(), rows = element_count(x.shape) / c;
  for (std::int64_t r = 0; r < rows; ++r) {
    float* v = &y.values[r * c];
    double m = *std::max_element(v, v + c), sum = 0.0;
    for (std::int64_t i = 0; i < c; ++i) sum += std::exp(static_cast<double>(v[i]) - m);
    for (std::int64_t i = 0; i < c; ++i) v[i] = static_cast<float>(std::exp(static_cast<double>(v[i]) - m) / sum);
  }
  return y;
}

Tensor scale(const Layer& l, const Tensor& x) {
  Tensor y = x;
  std::int64_t c = x.shape.back();
  const Tensor& s = l.params[0];
  const Tensor* b = l.params.size() > 1 ? &l.params[1] : nullptr;
  for (std::size_t i = 0; i < y.values.size(); ++i) {
    std::int64_t k = static_cast<std::int64_t>(i) % c;
    double sv = s.values.size() == 1 ? s.values[0] : s.values[k];
    double bv = b ? (b->values.size() == 1 ? b->values[0] : b->values[k]) : 0.0;
    y.values[i] = static_cast<float>(static_cast<double>(x.values[i]) * sv + bv);
  }
  return y;
}

// PyTorch LSTM: gates = W_ih x + W_hh h + b in order (i, f, g, o);
// c' = sigmoid(f) c + sigmoid(i) tanh(g); h' = sigmoid(o) tanh(c').
Tensor lstm(const Layer& l, const Tensor& x) {
  const std::int64_t T = x.shape[0], n_in = x.shape[1], H = l.hidden;
  const auto& wih = l.params[0].values;
  const auto& whh = l.params[1].values;
  const auto& b = l.params[2].values;
  std::vector<double> h(H, 0.0), c(H, 0.0), g(4 * H);
  Tensor y{{T, H}, std::vector<float>(static_cast<std::size_t>(T * H))};
  for (std::int64_t t = 0; t < T; ++t) {
    const float* xt = &x.values[t * n_in];
    for (std::int64_t k = 0; k < 4 * H; ++k) {
      double acc = b[k];
      for (std::int64_t i = 0; i < n_in; ++i) acc += static_cast<double>(wih[k * n_in + i]) * xt[i];
      for (std::int64_t j = 0; j < H; ++j) acc += static_cast<double>(whh[k * H + j]) * h[j];
      g[k] = acc;
    }
    for (std::int64_t j = 0; j < H; ++j) {
      double ig = sigmoid(g[j]), fg = sigmoid(g[H + j]), cg = std::tanh(g[2 * H + j]), og = sigmoid(g[3 * H + j]);
      c[j] = fg * c[j] + ig * cg;
      // Round the state to float as a float32 implementation would keep it.
      c[j] = static_cast<float>(c[j]);
      h[j] = static_cast<float>(og * std::tanh(c[j]));
      y.values[t * H + j] = static_cast<float>(h[j]);
    }
  }
  return y;
}

Tensor concat(const std::vector<const Tensor*>& xs, const Shape& out_shape) {
  Tensor y{out_shape, std::vector<float>(static_cast<std::size_t>(element_count(out_shape)))};
  std::int64_t out_c = out_shape.back(), rows = element_count(out_shape) / out_c, off = 0;
  for (const Tensor* x : xs) {
    std::int64_t c = x->shape.back();
    for (std::int64_t r = 0; r < rows; ++r)
      std::copy_n(&x->values[r * c], c, &y.values[r * out_c + off]);
    off += c;
  }
  return y;
}

Tensor reduce_max(const Tensor& x) {
  std::int64_t c = x.shape.back(), rows = element_count(x.shape) / c;
  Tensor y{x.shape, std::vector<float>(static_cast<std::size_t>(rows))};
  y.shape.back() = 1;
  for (std::int64_t r = 0; r < rows; ++r)
    y.values[r] = *std::max_element(&x.values[r * c], &x.values[r * c] + c);
  return y;
}

}  // namespace

std::map<std::string, Shape> infer_shapes(const ModelSpec& spec) {
  std::map<std::string, Shape> blobs;
  if (spec.inputs.empty()) fail(spec, nullptr, "has no inputs");
  if (spec.outputs.empty()) fail(spec, nullptr, "has no outputs");
  for (const IoSpec& io : spec.inputs) {
    if (io.name.empty()) fail(spec, nullptr, "an input has an empty name");
    if (io.shape.empty() || std::any_of(io.shape.begin(), io.shape.end(), [](auto d) { return d <= 0; }))
      fail(spec, nullptr, "input '" + io.name + "' needs a positive shape, got " + shape_str(io.shape));
    if (!blobs.emplace(io.name, io.shape).second) fail(spec, nullptr, "input '" + io.name + "' declared twice");
  }
  std::set<std::string> layer_names;
  for (const Layer& l : spec.layers) {
    if (l.name.empty() || !layer_names.insert(l.name).second)
      fail(spec, &l, "layer names must be non-empty and unique");
    if (l.output.empty()) fail(spec, &l, "has no output blob name");
    std::vector<Shape> in;
    for (const std::string& b : l.inputs) {
      auto it = blobs.find(b);
      if (it == blobs.end()) fail(spec, &l, "input blob '" + b + "' is not defined by an earlier layer or input");
      in.push_back(it->second);
    }
    Shape out = layer_shape(spec, l, in);
    if (!blobs.emplace(l.output, out).second) fail(spec, &l, "output blob '" + l.output + "' is produced twice");
  }
  for (const IoSpec& io : spec.outputs) {
    auto it = blobs.find(io.name);
    if (it == blobs.end()) fail(spec, nullptr, "output '" + io.name + "' is not produced by any layer");
    if (!io.shape.empty() && io.shape != it->second)
      fail(spec, nullptr, "output '" + io.name + "' declared " + shape_str(io.shape) + " but computes " +
                              shape_str(it->second));
  }
  return blobs;
}

std::map<std::string, Tensor> evaluate(const ModelSpec& spec, const std::map<std::string, Tensor>& inputs) {
  auto shapes = infer_shapes(spec);
  std::map<std::string, Tensor> blobs;
  for (const IoSpec& io : spec.inputs) {
    auto it = inputs.find(io.name);
    if (it == inputs.end()) fail(spec, nullptr, "input '" + io.name + "' is missing");
    if (it->second.shape != io.shape)
      fail(spec, nullptr, "input '" + io.name + "' has shape " + shape_str(it->second.shape) + ", expected " +
                              shape_str(io.shape));
    if (static_cast<std::int64_t>(it->second.values.size()) != element_count(io.shape))
      fail(spec, nullptr, "input '" + io.name + "' holds " + std::to_string(it->second.values.size()) + " values");
    blobs[io.name] = it->second;
  }
  for (const auto& [name, t] : inputs)
    if (!blobs.count(name)) fail(spec, nullptr, "unknown input '" + name + "'");
  for (const Layer& l : spec.layers) {
    const Tensor& x = blobs.at(l.inputs.front());
    Tensor y;
    switch (l.kind) {
      case LayerKind::Dense: y = dense(l, x); break;
      case LayerKind::Activation:
        y = x;
        for (float& v : y.values) v = activate(l.activation, v);
        break;
      case LayerKind::Softmax: y = softmax(x); break;
      case LayerKind::Scale: y = scale(l, x); break;
      case LayerKind::Repeat:
        y.shape = {l.repeats, x.shape[0]};
        for (int r = 0; r < l.repeats; ++r) y.values.insert(y.values.end(), x.values.begin(), x.values.end());
        break;
      case LayerKind::Lstm: y = lstm(l, x); break;
      case LayerKind::Concat: {
        std::vector<const Tensor*> xs;
        for (const auto& b : l.inputs) xs.push_back(&blobs.at(b));
        y = concat(xs, shapes.at(l.output));
        break;
      }
      case LayerKind::ReduceMax: y = reduce_max(x); break;
    }
    blobs[l.output] = std::move(y);
  }
  std::map<std::string, Tensor> out;
  for (const IoSpec& io : spec.outputs) out[io.name] = blobs.at(io.name);
  return out;
}

}  // namespace echoelml::runtime
