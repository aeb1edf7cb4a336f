// A small interpreter for ML Programs (MIL, opset CoreML5 = iOS15 op semantics from
// coremltools/converters/mil/mil/ops/defs/iOS15), so exported .mlpackage files can be run
// against runtime::evaluate without a Mac. fp32 tensors are rounded to float after every op,
// as Core ML keeps them; sums are accumulated in double.
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <numeric>

#include "echoelml/core/error.h"
#include "mlprogram_internal.h"

namespace echoelml::exporter::detail {
namespace {

namespace fs = std::filesystem;

struct Val {
  mil::DataType dt = mil::FLOAT32;
  Shape shape;
  std::vector<double> v;          // numbers (float, int, bool as 0/1)
  std::vector<std::string> strs;  // STRING tensors
};

std::int64_t numel(const Shape& s) { return std::accumulate(s.begin(), s.end(), std::int64_t{1}, std::multiplies<>()); }
double f32(double x) { return static_cast<float>(x); }

class Interp {
 public:
  explicit Interp(const fs::path& package) : package_(package) {}

  void set(const std::string& name, Val v) { vals_[name] = std::move(v); }
  const Val& get(const std::string& name) const {
    auto it = vals_.find(name);
    if (it == vals_.end()) fail("value '" + name + "' is not defined");
    return it->second;
  }
  void run(const mil::Operation& o);

 private:
  [[noreturn]] void fail(const std::string& what) const { throw FormatError(package_, "ML Program: " + where_ + what); }

  Val from_value(const mil::Value& v);
  const Val* arg(const mil::Operation& o, const std::string& p, bool required = true);
  std::vector<const Val*> args(const mil::Operation& o, const std::string& p);
  std::int64_t axis_of(const Val& a, std::size_t rank) const {
    auto ax = static_cast<std::int64_t>(a.v.at(0));
    if (ax < 0) ax += static_cast<std::int64_t>(rank);
    if (ax < 0 || ax >= static_cast<std::int64_t>(rank)) fail("axis out of range");
    return ax;
  }
  Val binary(const Val& x, const Val& y, const std::function<double(double, double)>& f) const;
  Val lstm(const mil::Operation& o, Val* h_out, Val* c_out);

  fs::path package_;
  std::string where_;
  std::map<std::string, Val> vals_;
  std::unique_ptr<BlobFile> blobs_;
};

Val Interp::from_value(const mil::Value& v) {
  if (!v.type().has_tensortype()) fail("only tensor values are supported");
  const auto& tt = v.type().tensortype();
  Val r;
  r.dt = tt.datatype();
  for (const auto& d : tt.dimensions()) {
    if (!d.has_constant()) fail("constant with an unknown dimension");
    r.shape.push_back(static_cast<std::int64_t>(d.constant().size()));
  }
  if (static_cast<std::int64_t>(r.shape.size()) != tt.rank()) fail("tensor rank does not match its dimensions");
  const auto n = static_cast<std::size_t>(numel(r.shape));
  if (v.has_blobfilevalue()) {
    const auto& bf = v.blobfilevalue();
    const std::string prefix = "@model_path/";
    if (bf.filename().rfind(prefix, 0) != 0) fail("weight file '" + bf.filename() + "' is outside the package");
    if (r.dt != mil::FLOAT32 && r.dt != mil::FLOAT16) fail("only fp32/fp16 weight blobs are supported");
    fs::path file = package_ / "Data" / "com.apple.CoreML" / bf.filename().substr(prefix.size());
    if (!blobs_ || blobs_->path() != file) blobs_ = std::make_unique<BlobFile>(file);
    auto f = blobs_->floats(bf.offset(), n);
    r.v.assign(f.begin(), f.end());
    r.dt = mil::FLOAT32;  // fp16 weights compute in fp32 here
    return r;
  }
  const auto& t = v.immediatevalue().tensor();
  switch (t.value_case()) {
    case mil::TensorValue::kFloats: r.v.assign(t.floats().values().begin(), t.floats().values().end()); break;
    case mil::TensorValue::kDoubles: r.v.assign(t.doubles().values().begin(), t.doubles().values().end()); break;
    case mil::TensorValue::kInts: r.v.assign(t.ints().values().begin(), t.ints().values().end()); break;
    case mil::TensorValue::kLongInts: r.v.assign(t.longints().values().begin(), t.longints().values().end()); break;
    case mil::TensorValue::kBools: r.v.assign(t.bools().values().begin(), t.bools().values().end()); break;
    case mil::TensorValue::kStrings: r.strs.assign(t.strings().values().begin(), t.strings().values().end()); break;
    default: fail("unsupported immediate value encoding");
  }
  if ((r.dt == mil::STRING ? r.strs.size() : r.v.size()) != n)
    fail("immediate value holds " + std::to_string(r.dt == mil::STRING ? r.strs.size() : r.v.size()) + " elements for shape " +
         shape_text(r.shape));
  return r;
}

const Val* Interp::arg(const mil::Operation& o, const std::string& p, bool required) {
  auto it = o.inputs().find(p);
  if (it == o.inputs().end() || it->second.arguments_size() == 0) {
    if (required) fail("required input '" + p + "' is missing");
    return nullptr;
  }
  if (it->second.arguments_size() != 1) fail("input '" + p + "' must be a single value");
  const auto& b = it->second.arguments(0);
  if (b.has_value()) {
    vals_["__literal_" + p] = from_value(b.value());
    return &vals_["__literal_" + p];
  }
  return &get(b.name());
}

std::vector<const Val*> Interp::args(const mil::Operation& o, const std::string& p) {
  auto it = o.inputs().find(p);
  if (it == o.inputs().end() || it->second.arguments_size() == 0) fail("required input '" + p + "' is missing");
  std::vector<const Val*> out;
  for (const auto& b : it->second.arguments()) {
    if (!b.has_name()) fail("literal values in '" + p + "' are not supported");
    out.push_back(&get(b.name()));
  }
  return out;
}

// NumPy-style broadcasting (mul, add).
Val Interp::binary(const Val& x, const Val& y, const std::function<double(double, double)>& f) const {
  const std::size_t r = std::max(x.shape.size(), y.shape.size());
  auto padded = [&](const Shape& s) {
    Shape p(r - s.size(), 1);
    p.insert(p.end(), s.begin(), s.end());
    return p;
  };
  Shape xs = padded(x.shape), ys = padded(y.shape), os(r);
  for (std::size_t i = 0; i < r; ++i) {
    if (xs[i] != ys[i] && xs[i] != 1 && ys[i] != 1) fail("shapes " + shape_text(x.shape) + " and " + shape_text(y.shape) + " do not broadcast");
    os[i] = std::max(xs[i], ys[i]);
  }
  Val o{mil::FLOAT32, os, std::vector<double>(numel(os)), {}};
  std::vector<std::int64_t> idx(r, 0);
  for (std::int64_t k = 0; k < numel(os); ++k) {
    std::int64_t rem = k, xi = 0, yi = 0, xm = 1, ym = 1;
    for (std::size_t d = r; d-- > 0;) {
      std::int64_t i = rem % os[d];
      rem /= os[d];
      xi += (xs[d] == 1 ? 0 : i) * xm;
      yi += (ys[d] == 1 ? 0 : i) * ym;
      xm *= xs[d];
      ym *= ys[d];
    }
    o.v[k] = f32(f(x.v[xi], y.v[yi]));
  }
  return o;
}

double activate(const std::string& a, double x, const std::function<void(const std::string&)>& fail) {
  if (a == "sigmoid") return 1.0 / (1.0 + std::exp(-x));
  if (a == "tanh") return std::tanh(x);
  if (a == "relu") return x > 0 ? x : 0;
  if (a == "linear") return x;
  fail("unsupported LSTM activation '" + a + "'");
  return 0;
}

// iOS15 lstm: x [s,b,I]; gates in order input, forget, output, cell (z);
// c = f*c + i*z; h = o * activation(c).
Val Interp::lstm(const mil::Operation& o, Val* h_out, Val* c_out) {
  const Val& x = *arg(o, "x");
  const Val& h0 = *arg(o, "initial_h");
  const Val& c0 = *arg(o, "initial_c");
  const Val& wi = *arg(o, "weight_ih");
  const Val& wh = *arg(o, "weight_hh");
  const Val* bias = arg(o, "bias", false);
  auto str = [&](const char* p, const std::string& dflt) {
    const Val* v = arg(o, p, false);
    return v ? v->strs.at(0) : dflt;
  };
  const std::string dir = str("direction", "forward"), ra = str("recurrent_activation", "sigmoid"),
                    ca = str("cell_activation", "tanh"), aa = str("activation", "tanh");
  const Val* seq = arg(o, "output_sequence", false);
  const bool out_seq = seq && seq->v.at(0) != 0;
  for (const char* p : {"peephole", "clip", "weight_ih_back", "weight_hh_back", "bias_back", "peephole_back"})
    if (arg(o, p, false)) fail(std::string("lstm input '") + p + "' is not supported by echoelml's evaluator");
  if (dir != "forward" && dir != "reverse") fail("lstm direction '" + dir + "' is not supported");
  if (x.shape.size() != 3 || wh.shape.size() != 2 || wi.shape.size() != 2) fail("lstm needs x [s,b,I], weight_ih [4H,I], weight_hh [4H,H]");
  const std::int64_t S = x.shape[0], B = x.shape[1], I = x.shape[2], H = wh.shape[1];
  if (wh.shape[0] != 4 * H || wi.shape[0] != 4 * H || wi.shape[1] != I) fail("lstm weight shapes do not match x and H");
  if (h0.shape != Shape{B, H} || c0.shape != Shape{B, H}) fail("lstm initial_h/initial_c must be [b, H]");
  if (bias && bias->shape != Shape{4 * H}) fail("lstm bias must be [4H]");
  auto bad = [&](const std::string& m) { fail(m); };
  Val y{mil::FLOAT32, {out_seq ? S : 1, B, H}, {}, {}};
  y.v.assign(numel(y.shape), 0.0);
  h_out->shape = c_out->shape = {B, H};
  h_out->v.assign(B * H, 0.0);
  c_out->v.assign(B * H, 0.0);
  std::vector<double> z(4 * H);
  for (std::int64_t b = 0; b < B; ++b) {
    std::vector<double> h(h0.v.begin() + b * H, h0.v.begin() + (b + 1) * H), c(c0.v.begin() + b * H, c0.v.begin() + (b + 1) * H);
    for (std::int64_t step = 0; step < S; ++step) {
      const std::int64_t t = dir == "forward" ? step : S - 1 - step;
      const double* xt = &x.v[(t * B + b) * I];
      for (std::int64_t k = 0; k < 4 * H; ++k) {
        double acc = bias ? bias->v[k] : 0.0;
        for (std::int64_t i = 0; i < I; ++i) acc += wi.v[k * I + i] * xt[i];
        for (std::int64_t j = 0; j < H; ++j) acc += wh.v[k * H + j] * h[j];
        z[k] = acc;
      }
      for (std::int64_t j = 0; j < H; ++j) {
        double ig = activate(ra, z[j], bad), fg = activate(ra, z[H + j], bad), og = activate(ra, z[2 * H + j], bad);
        double cg = activate(ca, z[3 * H + j], bad);
        c[j] = f32(fg * c[j] + ig * cg);
        h[j] = f32(og * activate(aa, c[j], bad));
      }
      if (out_seq) std::copy(h.begin(), h.end(), y.v.begin() + (t * B + b) * H);
    }
    if (!out_seq) std::copy(h.begin(), h.end(), y.v.begin() + b * H);
    std::copy(h.begin(), h.end(), h_out->v.begin() + b * H);
    std::copy(c.begin(), c.end(), c_out->v.begin() + b * H);
  }
  return y;
}

void Interp::run(const mil::Operation& o) {
  auto nit = o.attributes().find("name");
  where_ = "op '" + (nit != o.attributes().end() && nit->second.immediatevalue().tensor().strings().values_size()
                         ? nit->second.immediatevalue().tensor().strings().values(0)
                         : std::string("?")) +
           "' (" + o.type() + "): ";
  const std::string& t = o.type();
  std::vector<Val> outs(1);
  Val& y = outs[0];
  if (t == "const") {
    auto it = o.attributes().find("val");
    if (it == o.attributes().end()) fail("const has no 'val'");
    y = from_value(it->second);
  } else if (t == "linear") {
    const Val& x = *arg(o, "x");
    const Val& w = *arg(o, "weight");
    const Val* b = arg(o, "bias", false);
    if (w.shape.size() != 2 || x.shape.empty() || x.shape.back() != w.shape[1]) fail("x " + shape_text(x.shape) + " does not match weight " + shape_text(w.shape));
    const std::int64_t out = w.shape[0], in = w.shape[1], rows = numel(x.shape) / in;
    if (b && b->shape != Shape{out}) fail("bias must be [D_out]");
    y.shape = x.shape;
    y.shape.back() = out;
    y.v.assign(rows * out, 0.0);
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t k = 0; k < out; ++k) {
        double acc = b ? b->v[k] : 0.0;
        for (std::int64_t i = 0; i < in; ++i) acc += w.v[k * in + i] * x.v[r * in + i];
        y.v[r * out + k] = f32(acc);
      }
  } else if (t == "relu" || t == "sigmoid" || t == "tanh" || t == "identity") {
    y = *arg(o, "x");
    for (double& v : y.v)
      v = f32(t == "relu" ? (v > 0 ? v : 0) : t == "sigmoid" ? 1.0 / (1.0 + std::exp(-v)) : t == "tanh" ? std::tanh(v) : v);
  } else if (t == "softmax") {
    y = *arg(o, "x");
    const Val* a = arg(o, "axis", false);
    const std::int64_t ax = a ? axis_of(*a, y.shape.size()) : static_cast<std::int64_t>(y.shape.size()) - 1;
    std::int64_t outer = 1, inner = 1, c = y.shape.at(ax);
    for (std::int64_t i = 0; i < ax; ++i) outer *= y.shape[i];
    for (std::size_t i = ax + 1; i < y.shape.size(); ++i) inner *= y.shape[i];
    for (std::int64_t p = 0; p < outer; ++p)
      for (std::int64_t q = 0; q < inner; ++q) {
        auto at = [&](std::int64_t k) -> double& { return y.v[(p * c + k) * inner + q]; };
        double mx = -INFINITY, sum = 0;
        for (std::int64_t k = 0; k < c; ++k) mx = std::max(mx, at(k));
        for (std::int64_t k = 0; k < c; ++k) sum += std::exp(at(k) - mx);
        for (std::int64_t k = 0; k < c; ++k) at(k) = f32(std::exp(at(k) - mx) / sum);
      }
  } else if (t == "mul" || t == "add") {
    y = binary(*arg(o, "x"), *arg(o, "y"), t == "mul" ? std::function<double(double, double)>(std::multiplies<>()) : std::plus<>());
  } else if (t == "expand_dims") {
    const Val& x = *arg(o, "x");
    const Val& axes = *arg(o, "axes");
    const std::size_t r = x.shape.size() + axes.v.size();
    std::vector<bool> is_new(r, false);
    for (double a : axes.v) {
      auto ax = static_cast<std::int64_t>(a) < 0 ? static_cast<std::int64_t>(a) + static_cast<std::int64_t>(r) : static_cast<std::int64_t>(a);
      if (ax < 0 || ax >= static_cast<std::int64_t>(r) || is_new[ax]) fail("invalid expand_dims axes");
      is_new[ax] = true;
    }
    y.v = x.v;
    for (std::size_t i = 0, j = 0; i < r; ++i) y.shape.push_back(is_new[i] ? 1 : x.shape.at(j++));
  } else if (t == "squeeze") {
    const Val& x = *arg(o, "x");
    const Val* axes = arg(o, "axes", false);
    std::vector<bool> drop(x.shape.size(), !axes);
    if (axes)
      for (double a : axes->v) drop.at(axis_of(Val{mil::INT32, {}, {a}, {}}, x.shape.size())) = true;
    y.v = x.v;
    for (std::size_t i = 0; i < x.shape.size(); ++i) {
      if (axes && drop[i] && x.shape[i] != 1) fail("squeeze of an axis of size " + std::to_string(x.shape[i]));
      if (!(drop[i] && x.shape[i] == 1)) y.shape.push_back(x.shape[i]);
    }
  } else if (t == "reshape") {
    const Val& x = *arg(o, "x");
    const Val& s = *arg(o, "shape");
    for (double d : s.v) y.shape.push_back(static_cast<std::int64_t>(d));
    if (numel(y.shape) != numel(x.shape)) fail("reshape to " + shape_text(y.shape) + " changes the element count");
    y.v = x.v;
  } else if (t == "tile") {
    y = *arg(o, "x");
    const Val& reps = *arg(o, "reps");
    if (reps.v.size() != y.shape.size()) fail("tile reps must have one entry per axis");
    for (std::size_t a = 0; a < y.shape.size(); ++a) {
      const auto rep = static_cast<std::int64_t>(reps.v[a]);
      if (rep < 1) fail("tile reps must be >= 1");
      std::int64_t outer = 1, block = 1;
      for (std::size_t i = 0; i < a; ++i) outer *= y.shape[i];
      for (std::size_t i = a; i < y.shape.size(); ++i) block *= y.shape[i];
      std::vector<double> v;
      for (std::int64_t p = 0; p < outer; ++p)
        for (std::int64_t r = 0; r < rep; ++r) v.insert(v.end(), y.v.begin() + p * block, y.v.begin() + (p + 1) * block);
      y.v = std::move(v);
      y.shape[a] *= rep;
    }
  } else if (t == "concat") {
    auto xs = args(o, "values");
    const Val* il = arg(o, "interleave", false);
    if (il && il->v.at(0) != 0) fail("interleave=true is not supported by echoelml's evaluator");
    const std::int64_t ax = axis_of(*arg(o, "axis"), xs[0]->shape.size());
    y.shape = xs[0]->shape;
    y.shape[ax] = 0;
    for (const Val* x : xs) {
      if (x->shape.size() != y.shape.size()) fail("concat inputs differ in rank");
      for (std::size_t i = 0; i < y.shape.size(); ++i)
        if (static_cast<std::int64_t>(i) != ax && x->shape[i] != xs[0]->shape[i]) fail("concat inputs differ off the axis");
      y.shape[ax] += x->shape[ax];
    }
    std::int64_t outer = 1;
    for (std::int64_t i = 0; i < ax; ++i) outer *= y.shape[i];
    for (std::int64_t p = 0; p < outer; ++p)
      for (const Val* x : xs) {
        const std::int64_t chunk = numel(x->shape) / outer;
        y.v.insert(y.v.end(), x->v.begin() + p * chunk, x->v.begin() + (p + 1) * chunk);
      }
  } else if (t == "reduce_max") {
    const Val& x = *arg(o, "x");
    const Val* axes = arg(o, "axes", false);
    const Val* kd = arg(o, "keep_dims", false);
    std::vector<bool> red(x.shape.size(), !axes);
    if (axes)
      for (double a : axes->v) red.at(axis_of(Val{mil::INT32, {}, {a}, {}}, x.shape.size())) = true;
    Shape kept = x.shape;
    for (std::size_t i = 0; i < kept.size(); ++i)
      if (red[i]) kept[i] = 1;
    y.v.assign(numel(kept), -INFINITY);
    for (std::int64_t k = 0; k < numel(x.shape); ++k) {
      std::int64_t rem = k, oi = 0, m = 1;
      for (std::size_t d = x.shape.size(); d-- > 0;) {
        std::int64_t i = rem % x.shape[d];
        rem /= x.shape[d];
        oi += (red[d] ? 0 : i) * m;
        m *= kept[d];
      }
      y.v[oi] = std::max(y.v[oi], x.v[k]);
    }
    for (std::size_t i = 0; i < kept.size(); ++i)
      if (!red[i] || (kd && kd->v.at(0) != 0)) y.shape.push_back(kept[i]);
  } else if (t == "lstm") {
    outs.resize(3);
    outs[0] = lstm(o, &outs[1], &outs[2]);
  } else {
    fail("op type not supported by echoelml's ML Program evaluator");
  }
  if (o.outputs_size() != static_cast<int>(outs.size())) fail("declares " + std::to_string(o.outputs_size()) + " outputs, computes " + std::to_string(outs.size()));
  for (int i = 0; i < o.outputs_size(); ++i) {
    const auto& decl = o.outputs(i);
    if (decl.type().has_tensortype()) {
      Shape ds;
      for (const auto& d : decl.type().tensortype().dimensions()) ds.push_back(d.has_constant() ? static_cast<std::int64_t>(d.constant().size()) : -1);
      if (ds != outs[i].shape) fail("output '" + decl.name() + "' declared " + shape_text(ds) + " but computes " + shape_text(outs[i].shape));
    }
    vals_[decl.name()] = std::move(outs[i]);
  }
}

}  // namespace

FeatureMap run_mlprogram(const cml::Model& m, const fs::path& package, const FeatureMap& in) {
  if (!fs::is_directory(package)) throw FormatError(package, "an ML Program must be read from its .mlpackage folder");
  check_manifest(package);
  const auto& block = main_block(m, package);
  const auto& d = m.description();
  const std::string w = package.filename().string();
  Interp ip(package);
  for (const auto& f : d.input()) {
    auto it = in.find(f.name());
    if (it == in.end()) throw ParameterError(w + ": input '" + f.name() + "' is missing");
    if (!f.type().has_multiarraytype()) throw FormatError(package, "ML Program input '" + f.name() + "' is not a MultiArray");
    // Core ML: "MultiArrayConstraint only allows MultiArrays"
    if (it->second.type != FeatureValue::Type::MultiArray) throw ParameterError(w + ": input '" + f.name() + "' must be a MultiArray");
    Shape want(f.type().multiarraytype().shape().begin(), f.type().multiarraytype().shape().end());
    if (it->second.shape != want || static_cast<std::int64_t>(it->second.array.size()) != numel(want))
      throw ParameterError(w + ": input '" + f.name() + "' has shape " + shape_text(it->second.shape) + ", expected " + shape_text(want));
    Val v{mil::FLOAT32, want, {}, {}};
    for (double x : it->second.array) v.v.push_back(f32(x));  // FLOAT32 input
    ip.set(f.name(), std::move(v));
  }
  for (const auto& o : block.operations()) ip.run(o);
  FeatureMap out;
  if (block.outputs_size() != d.output_size()) throw FormatError(package, "ML Program returns a different number of values than the model declares");
  for (int i = 0; i < d.output_size(); ++i) {
    const Val& v = ip.get(block.outputs(i));
    out[d.output(i).name()] = FeatureValue::of_array(v.shape, v.v);
  }
  return out;
}

}  // namespace echoelml::exporter::detail
