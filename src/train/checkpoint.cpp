#include "train/checkpoint.h"

#include <bit>
#include <sstream>

#include <fmt/format.h>

#include "echoelml/core/atomic_file.h"
#include "echoelml/core/error.h"

namespace echoelml::train::detail {
namespace {
constexpr std::int64_t kCheckpointVersion = 1;
}  // namespace

torch::Tensor vec_to_tensor(const std::vector<float>& v) {
  return torch::from_blob(const_cast<float*>(v.data()), {static_cast<std::int64_t>(v.size())}, torch::kFloat32).clone();
}
std::vector<float> tensor_to_vec(const torch::Tensor& t) {
  auto c = t.to(torch::kFloat32).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}
torch::Tensor matrix_to_tensor(const Matrix& m) {
  return torch::from_blob(const_cast<float*>(m.data.data()),
                          {static_cast<std::int64_t>(m.rows), static_cast<std::int64_t>(m.cols)}, torch::kFloat32)
      .clone();
}
Matrix tensor_to_matrix(const torch::Tensor& t) {
  auto c = t.to(torch::kFloat32).contiguous();
  Matrix m(static_cast<std::size_t>(c.size(0)), static_cast<std::size_t>(c.size(1)));
  std::copy(c.data_ptr<float>(), c.data_ptr<float>() + c.numel(), m.data.begin());
  return m;
}

void save_checkpoint(const std::filesystem::path& path, const State& s, Net& net, torch::optim::Adam& opt) {
  torch::serialize::OutputArchive ar;
  ar.write("version", c10::IValue(kCheckpointVersion));
  ar.write("kind", c10::IValue(static_cast<std::int64_t>(s.kind)));
  ar.write("n_in", c10::IValue(static_cast<std::int64_t>(s.n_in)));
  ar.write("lstm_units", c10::IValue(static_cast<std::int64_t>(s.lstm_units)));
  ar.write("fingerprint", c10::IValue(std::bit_cast<std::int64_t>(s.fingerprint)));
  ar.write("epoch", c10::IValue(static_cast<std::int64_t>(s.epoch)));
  ar.write("best_loss", c10::IValue(s.best_loss));
  ar.write("best_epoch", c10::IValue(static_cast<std::int64_t>(s.best_epoch)));
  ar.write("wait", c10::IValue(static_cast<std::int64_t>(s.wait)));
  ar.write("stopped", c10::IValue(s.stopped));
  ar.write("shuffle_rng", c10::IValue(s.shuffle_rng));
  ar.write("torch_rng", s.torch_rng);
  ar.write("in_mean", vec_to_tensor(s.in_mean));
  ar.write("in_std", vec_to_tensor(s.in_std));
  ar.write("out_scale", vec_to_tensor(s.out_scale));
  ar.write("out_bias", vec_to_tensor(s.out_bias));
  auto hist = torch::zeros({static_cast<std::int64_t>(s.history.size()), 5}, torch::kFloat64);
  for (std::size_t i = 0; i < s.history.size(); ++i) {
    const auto& e = s.history[i];
    double row[5] = {double(e.epoch), e.train_loss, e.val_loss, e.val_metric, e.seconds};
    for (int j = 0; j < 5; ++j) hist[static_cast<std::int64_t>(i)][j] = row[j];
  }
  ar.write("history", hist);
  torch::serialize::OutputArchive model_ar, best_ar, opt_ar;
  net->save(model_ar);
  auto names = net->named_parameters();
  for (std::size_t i = 0; i < s.best.size(); ++i) best_ar.write(names.keys()[i], s.best[i]);
  opt.save(opt_ar);
  ar.write("model", model_ar);
  ar.write("best", best_ar);
  ar.write("optimizer", opt_ar);
  std::ostringstream os;
  ar.save_to(os);
  write_file_atomic(path, os.str());  // Ctrl-C leaves the previous epoch's file intact
}

// Reads the state (and the best weights); `net`/`opt`, when given, get the current weights and
// optimizer state. The net must have been built from the same kind/n_in/lstm_units.
State load_state(const std::filesystem::path& path, Net* net, torch::optim::Adam* opt) {
  if (!std::filesystem::exists(path)) throw IoError(path, "checkpoint does not exist");
  try {
    torch::serialize::InputArchive ar;
    ar.load_from(path.string());
    c10::IValue v;
    auto get_int = [&](const char* key) { ar.read(key, v); return v.toInt(); };
    if (get_int("version") != kCheckpointVersion) throw FormatError(path, "unsupported checkpoint version");
    State s;
    s.kind = static_cast<ModelKind>(get_int("kind"));
    s.n_in = static_cast<int>(get_int("n_in"));
    s.lstm_units = static_cast<int>(get_int("lstm_units"));
    s.fingerprint = std::bit_cast<std::uint64_t>(get_int("fingerprint"));
    s.epoch = static_cast<int>(get_int("epoch"));
    ar.read("best_loss", v), s.best_loss = v.toDouble();
    s.best_epoch = static_cast<int>(get_int("best_epoch"));
    s.wait = static_cast<int>(get_int("wait"));
    ar.read("stopped", v), s.stopped = v.toBool();
    ar.read("shuffle_rng", v), s.shuffle_rng = v.toStringRef();
    ar.read("torch_rng", s.torch_rng);
    // InputArchive::read set_()s into a defined tensor (reinterpreting its dtype): read each
    // key into a fresh one.
    auto get_tensor = [&](const char* key) {
      torch::Tensor t;
      ar.read(key, t);
      return t;
    };
    s.in_mean = tensor_to_vec(get_tensor("in_mean"));
    s.in_std = tensor_to_vec(get_tensor("in_std"));
    s.out_scale = tensor_to_vec(get_tensor("out_scale"));
    s.out_bias = tensor_to_vec(get_tensor("out_bias"));
    torch::Tensor t = get_tensor("history");
    for (std::int64_t i = 0; i < t.size(0); ++i) {
      auto r = t[i];
      s.history.push_back({static_cast<int>(r[0].item<double>()), r[1].item<double>(), r[2].item<double>(),
                           r[3].item<double>(), r[4].item<double>()});
    }
    torch::serialize::InputArchive best_ar;
    ar.read("best", best_ar);
    Net shape_net(s.kind, s.n_in, s.lstm_units);
    for (const auto& name : shape_net->named_parameters().keys()) {
      torch::Tensor b;
      best_ar.read(name, b);
      s.best.push_back(b);
    }
    if (net) {
      torch::serialize::InputArchive model_ar;
      ar.read("model", model_ar);
      (*net)->load(model_ar);
    }
    if (opt) {
      torch::serialize::InputArchive opt_ar;
      ar.read("optimizer", opt_ar);
      opt->load(opt_ar);
    }
    return s;
  } catch (const c10::Error& e) {
    throw FormatError(path, std::string("not a readable echoelml checkpoint: ") + e.what_without_backtrace());
  }
}

}  // namespace echoelml::train::detail
