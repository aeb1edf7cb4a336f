// The training loop (split, standardisation, epochs, early stopping, resume), the metrics report,
// prediction and the step timer. One of the three TUs that include torch (with models.cpp and
// checkpoint.cpp).
#include "echoelml/train/trainer.h"

#include <bit>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "echoelml/core/atomic_file.h"
#include "echoelml/core/error.h"
#include "echoelml/core/music.h"
#include "echoelml/core/progress.h"
#include "echoelml/runtime/model_file.h"
#include "echoelml/train/metrics.h"
#include "train/checkpoint.h"
#include "train/models.h"
#include "train/prep.h"
#include "train/validation_file.h"

namespace echoelml::train {
namespace {

using detail::Net;
using detail::State;
using detail::vec_to_tensor;
using detail::tensor_to_vec;
using detail::matrix_to_tensor;
using detail::tensor_to_matrix;
using detail::save_checkpoint;
using detail::load_state;
using nlohmann::json;
constexpr std::int64_t kEvalChunk = 512;  // rows per no-grad forward pass (bounds LSTM memory)

torch::Tensor rows_tensor(const std::vector<std::size_t>& rows) {
  std::vector<std::int64_t> r(rows.begin(), rows.end());
  return torch::tensor(r, torch::kInt64);
}


std::uint64_t config_fingerprint(const TrainConfig& c, std::uint64_t h) {
  auto add = [&h](const auto& v) { h = detail::fnv1a(&v, sizeof v, h); };
  add(c.batch_size), add(c.lr), add(c.seed), add(c.val_split), add(c.patience), add(c.lstm_units), add(c.std_floor);
  return h;
}

void validate_config(ModelKind kind, const TrainConfig& c) {
  auto bad = [&](const std::string& what) {
    throw ParameterError(fmt::format("train {}: {}", model_name(kind), what));
  };
  if (c.epochs < 0) bad(fmt::format("epochs must be >= 0 (0 = guide default), got {}", c.epochs));
  if (c.batch_size < 1) bad(fmt::format("batch_size must be >= 1, got {}", c.batch_size));
  if (!(c.lr > 0) || !std::isfinite(c.lr)) bad(fmt::format("lr must be > 0, got {}", c.lr));
  if (c.threads < 1) bad(fmt::format("threads must be >= 1, got {}", c.threads));
  if (!(c.val_split >= 0 && c.val_split < 1)) bad(fmt::format("val_split must be in [0, 1), got {}", c.val_split));
  if (c.patience < 0) bad(fmt::format("patience must be >= 0, got {}", c.patience));
  if (c.lstm_units < 1) bad(fmt::format("lstm_units must be >= 1, got {}", c.lstm_units));
  if (!(c.std_floor >= 0)) bad(fmt::format("std_floor must be >= 0, got {}", c.std_floor));
}

std::filesystem::path checkpoint_path(ModelKind kind, const std::filesystem::path& dir) {
  return dir / (std::string(model_name(kind)) + ".pt");
}

void copy_into(Net& net, const std::vector<torch::Tensor>& weights) {
  torch::NoGradGuard no_grad;
  auto params = net->parameters();
  for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(weights[i]);
}

std::vector<torch::Tensor> clone_params(Net& net) {
  std::vector<torch::Tensor> out;
  for (auto& p : net->parameters()) out.push_back(p.detach().clone());
  return out;
}

struct Eval {
  double loss = 0;
  torch::Tensor act;  // [rows, k] training units
};

Eval evaluate(Net& net, const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& labels) {
  torch::NoGradGuard no_grad;
  net->eval();
  Eval e;
  std::vector<torch::Tensor> acts;
  const auto n = x.size(0);
  for (std::int64_t b = 0; b < n; b += kEvalChunk) {
    auto end = std::min(n, b + kEvalChunk);
    auto logits = net->forward(x.slice(0, b, end));
    e.loss += detail::model_loss(*net, logits, y.slice(0, b, end), labels.slice(0, b, end)).item<double>() *
              double(end - b);
    acts.push_back(net->activate(logits));
  }
  e.loss /= std::max<double>(1.0, double(n));
  e.act = torch::cat(acts, 0);
  return e;
}

Matrix to_raw(const torch::Tensor& act, const State& s) {
  return tensor_to_matrix(act * vec_to_tensor(s.out_scale) + vec_to_tensor(s.out_bias));
}

// The metrics report of raw predictions on `rows`, with baselines fitted on `train`.
json make_report(ModelKind kind, const Dataset& d, const std::vector<std::size_t>& rows,
                 const std::vector<std::size_t>& train, const Matrix& pred, const State& s) {
  auto pick = [&](const Matrix& m) {
    Matrix out(rows.size(), m.cols);
    for (std::size_t i = 0; i < rows.size(); ++i) std::copy_n(m.row(rows[i]).begin(), m.cols, out.row(i).begin());
    return out;
  };
  switch (kind) {
    case ModelKind::Genre: {
      std::vector<int> truth, train_labels;
      for (auto r : rows) truth.push_back(d.labels[r]);
      for (auto r : train) train_labels.push_back(d.labels[r]);
      Matrix probs(rows.size(), kNumGenres);
      std::vector<float> conf(rows.size());
      for (std::size_t i = 0; i < rows.size(); ++i) {
        std::copy_n(pred.row(i).begin(), kNumGenres, probs.row(i).begin());
        conf[i] = pred(i, kNumGenres);
      }
      return genre_metrics(truth, probs, conf, train_labels);
    }
    case ModelKind::Technique:
    case ModelKind::TechniqueApp: {
      std::vector<double> prev(kNumTechniques, 0.0);
      for (auto r : train)
        for (int c = 0; c < kNumTechniques; ++c) prev[c] += d.targets(r, c) / double(train.size());
      json j = technique_metrics(pick(d.targets), pred, prev);
      j["model"] = std::string(model_name(kind));
      return j;
    }
    case ModelKind::Pattern: {
      std::vector<float> mean(d.targets.cols, 0.0f), beats, cx;
      for (auto r : train)
        for (std::size_t c = 0; c < d.targets.cols; ++c) mean[c] += d.targets(r, c) / float(train.size());
      for (auto r : rows) {
        beats.push_back(d.pattern_beats.empty() ? d.features(r, 29) * 4.0f : d.pattern_beats[r]);
        cx.push_back(d.features(r, 30));
      }
      return pattern_metrics(pick(d.targets), pred, mean, s.out_scale[2], beats, cx, s.out_scale[3]);
    }
    case ModelKind::Mix: {
      std::vector<float> mean(d.targets.cols, 0.0f);
      for (auto r : train)
        for (std::size_t c = 0; c < d.targets.cols; ++c) mean[c] += d.targets(r, c) / float(train.size());
      return mix_metrics(pick(d.targets), pred, mean);
    }
  }
  return {};
}

// The one number per epoch: accuracy, micro F1, MSE (training units), mean MAE of 0-1 outputs.
std::pair<std::string, double> headline(ModelKind kind, const json& report) {
  const json& sm = report.at("summary");
  const json& row = kind == ModelKind::Mix ? sm.back() : sm.front();
  const char* name = kind == ModelKind::Genre ? "acc" : kind == ModelKind::Pattern ? "mse"
                   : kind == ModelKind::Mix ? "mae" : "microF1";
  return {name, row.at("model").get<double>()};
}

// Output scaling raw = unit * scale + bias (per output column), fitted on the train split.
void fit_output_scaling(ModelKind kind, const Dataset& d, const std::vector<std::size_t>& train, State& s) {
  const int k = kind == ModelKind::Genre ? kNumGenres + 1 : target_size(kind);
  s.out_scale.assign(static_cast<std::size_t>(k), 1.0f);
  s.out_bias.assign(static_cast<std::size_t>(k), 0.0f);
  if (kind == ModelKind::Pattern) {
    // One time scale for all patterns (a Scale layer is fixed): the longest train pattern, in
    // whole beats, so start targets stay in [0, 1] for the sigmoid.
    double beats = 1.0;
    for (auto r : train) {
      beats = std::max<double>(beats, d.pattern_beats.empty() ? d.features(r, 29) * 4.0 : d.pattern_beats[r]);
      for (int st = 0; st < kPatternSteps; ++st)
        beats = std::max<double>(beats, d.targets(r, st * kNoteFields + 2) + d.targets(r, st * kNoteFields + 3));
    }
    const float b = static_cast<float>(std::ceil(beats));
    // Durations get their own scale: drum hits last ~1/32 beat, and on the pattern's time scale
    // (tens of beats) their MSE would vanish and the model would never learn them. The longest
    // train duration, rounded up to a quarter beat, keeps them in [0, 1] as well.
    double longest = 0.25;
    for (auto r : train)
      for (int st = 0; st < kPatternSteps; ++st)
        longest = std::max<double>(longest, d.targets(r, st * kNoteFields + 3));
    const float dur = std::min(b, static_cast<float>(std::ceil(longest * 4.0) / 4.0));
    for (int st = 0; st < kPatternSteps; ++st) {
      float* sc = &s.out_scale[static_cast<std::size_t>(st * kNoteFields)];
      sc[0] = 127.0f, sc[1] = 127.0f, sc[2] = b, sc[3] = dur;
    }
  } else if (kind == ModelKind::Mix) {
    // dynamic_range (dB, linear head) is standardised; the other heads are 0-1 sigmoids.
    Matrix col(d.size(), 1);
    for (std::size_t i = 0; i < d.size(); ++i) col(i, 0) = d.targets(i, 6);
    auto st = detail::fit_standardizer(col, train, 1e-6f);
    s.out_scale[6] = st.std[0], s.out_bias[6] = st.mean[0];
  }
}

}  // namespace

int default_epochs(ModelKind kind) {
  switch (kind) {
    case ModelKind::Genre: return 100;
    case ModelKind::Technique:
    case ModelKind::TechniqueApp: return 80;
    case ModelKind::Pattern: return 150;
    case ModelKind::Mix: return 100;
  }
  return 0;
}

TrainResult train_model(ModelKind kind, const Dataset& data, const TrainConfig& cfg,
                        const std::filesystem::path& out_dir) {
  validate_config(kind, cfg);
  validate_dataset(kind, data);
  const int epochs = cfg.epochs > 0 ? cfg.epochs : default_epochs(kind);
  const std::string name(model_name(kind));
  torch::set_num_threads(cfg.threads);

  const auto split = detail::split_rows(detail::strata_of(kind, data), cfg.val_split, cfg.seed);
  if (split.train.empty()) throw ParameterError(fmt::format("train {}: no training rows after the split", name));
  const bool has_val = !split.val.empty();
  const auto& monitor_rows = has_val ? split.val : split.train;

  State s;
  s.kind = kind;
  s.n_in = input_size(kind);
  s.lstm_units = cfg.lstm_units;
  s.fingerprint = config_fingerprint(cfg, detail::fingerprint(kind, data));
  auto st = detail::fit_standardizer(data.features, split.train, cfg.std_floor);
  s.in_mean = st.mean, s.in_std = st.std;
  fit_output_scaling(kind, data, split.train, s);

  // Whole data set as tensors in training units.
  auto x_all = (matrix_to_tensor(data.features) - vec_to_tensor(s.in_mean)) / vec_to_tensor(s.in_std);
  torch::Tensor y_all = torch::zeros({static_cast<std::int64_t>(data.size()), 1});
  torch::Tensor l_all = torch::zeros({static_cast<std::int64_t>(data.size())}, torch::kInt64);
  if (kind == ModelKind::Genre) {
    l_all = torch::tensor(std::vector<std::int64_t>(data.labels.begin(), data.labels.end()), torch::kInt64);
  } else {
    y_all = (matrix_to_tensor(data.targets) - vec_to_tensor(s.out_bias)) / vec_to_tensor(s.out_scale);
  }
  auto mon_idx = rows_tensor(monitor_rows);
  auto x_mon = x_all.index_select(0, mon_idx), y_mon = y_all.index_select(0, mon_idx),
       l_mon = l_all.index_select(0, mon_idx);

  torch::manual_seed(cfg.seed);
  Net net(kind, s.n_in, cfg.lstm_units);
  detail::keras_init(*net);
  torch::optim::Adam opt(net->parameters(),
                         torch::optim::AdamOptions(cfg.lr).betas({0.9, 0.999}).eps(1e-7));
  std::mt19937_64 shuffle_rng(cfg.seed);

  std::filesystem::create_directories(out_dir);
  const auto ckpt = checkpoint_path(kind, out_dir);
  if (cfg.resume && std::filesystem::exists(ckpt)) {
    State old = load_state(ckpt, &net, &opt);
    if (old.kind != kind || old.fingerprint != s.fingerprint)
      throw ParameterError(fmt::format("train {}: cannot resume from {}: it was trained on other data or with another "
                                       "configuration (batch_size, lr, seed, val_split, patience, lstm_units)",
                                       name, ckpt.string()));
    s = std::move(old);
    std::istringstream(s.shuffle_rng) >> shuffle_rng;
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    gen.set_state(s.torch_rng);
    if (!cfg.quiet)
      fmt::print(stderr, "{}: resuming after epoch {} ({})\n", name, s.epoch, s.stopped ? "had stopped early" : "continuing");
  }
  if (s.best.empty()) s.best = clone_params(net);

  auto train_idx = split.train;
  const auto n_train = static_cast<std::int64_t>(train_idx.size());
  const auto t_start = std::chrono::steady_clock::now();
  const int first_epoch = s.epoch;
  while (s.epoch < epochs && !s.stopped) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::size_t> perm = train_idx;
    detail::shuffle_indices(perm, shuffle_rng);
    auto perm_t = rows_tensor(perm);
    net->train();
    double loss_sum = 0;
    for (std::int64_t b = 0; b < n_train; b += cfg.batch_size) {
      auto idx = perm_t.slice(0, b, std::min(n_train, b + cfg.batch_size));
      opt.zero_grad();
      auto logits = net->forward(x_all.index_select(0, idx));
      auto loss = detail::model_loss(*net, logits, y_all.index_select(0, idx), l_all.index_select(0, idx));
      loss.backward();
      opt.step();
      loss_sum += loss.item<double>() * double(idx.size(0));
    }
    Eval ev = evaluate(net, x_mon, y_mon, l_mon);
    json report = make_report(kind, data, monitor_rows, split.train, to_raw(ev.act, s), s);
    auto [metric_name, metric] = headline(kind, report);
    ++s.epoch;
    EpochStats es{s.epoch, loss_sum / double(n_train), ev.loss, metric,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
    s.history.push_back(es);
    // Keras EarlyStopping(monitor=val_loss, restore_best_weights=True): strict improvement resets.
    if (ev.loss < s.best_loss) {
      s.best_loss = ev.loss, s.best_epoch = s.epoch, s.wait = 0;
      s.best = clone_params(net);
    } else if (cfg.patience > 0 && ++s.wait >= cfg.patience) {
      s.stopped = true;
    }
    std::ostringstream rng_text;
    rng_text << shuffle_rng;
    s.shuffle_rng = rng_text.str();
    s.torch_rng = at::detail::getDefaultCPUGenerator().get_state();
    save_checkpoint(ckpt, s, net, opt);
    if (!cfg.quiet) {
      double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
      double left = elapsed / double(s.epoch - first_epoch) * double(epochs - s.epoch);
      fmt::print(stderr, "{} epoch {}/{} loss {:.4f} {}_loss {:.4f} {} {:.4f} best {} {:.1f}s left {}{}\n", name,
                 s.epoch, epochs, es.train_loss, has_val ? "val" : "train", es.val_loss, metric_name, metric,
                 s.best_epoch, es.seconds, format_duration(left), s.stopped ? " (early stop)" : "");
    }
  }

  // Report and export the best weights.
  copy_into(net, s.best);
  Eval ev = evaluate(net, x_mon, y_mon, l_mon);
  json report = make_report(kind, data, monitor_rows, split.train, to_raw(ev.act, s), s);
  report["model"] = name;
  report["evaluated_on"] = has_val ? "validation split" : "training split (val_split = 0)";

  TrainResult res;
  res.kind = kind;
  res.history = s.history;
  res.best_epoch = s.best_epoch;
  res.stopped_early = s.stopped;
  res.metrics = report;
  res.spec = detail::build_spec(*net, s.in_mean, s.in_std, s.out_scale, s.out_bias);
  res.spec.metadata["training"] = fmt::format("{} epochs (best {}), {} train / {} validation rows, seed {}", s.epoch,
                                              s.best_epoch, split.train.size(), split.val.size(), cfg.seed);
  res.checkpoint = ckpt;
  runtime::save_model_spec(res.spec, out_dir / (name + ".espec"));

  json hist = json::array();
  for (const auto& e : s.history)
    hist.push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"val_loss", e.val_loss},
                    {"val_metric", e.val_metric}, {"seconds", e.seconds}});
  json metrics = {{"model", name},        {"report", report},           {"history", hist},
                  {"best_epoch", s.best_epoch}, {"stopped_early", s.stopped},
                  {"split", {{"train", split.train.size()}, {"validation", split.val.size()}}},
                  {"config", {{"epochs", epochs}, {"batch_size", cfg.batch_size}, {"lr", cfg.lr}, {"seed", cfg.seed},
                              {"threads", cfg.threads}, {"val_split", cfg.val_split}, {"patience", cfg.patience},
                              {"lstm_units", cfg.lstm_units}}},
                  {"text", format_report(report)}};
  write_file_atomic(out_dir / (name + ".metrics.json"), metrics.dump(2));
  json norm = {{"model", name},          {"input_names", input_names(kind)}, {"input_mean", s.in_mean},
               {"input_std", s.in_std},  {"output_names", json::array()},    {"output_scale", s.out_scale},
               {"output_bias", s.out_bias}, {"std_floor", cfg.std_floor}};
  for (const auto& o : res.spec.outputs) norm["output_names"].push_back(o.name);
  if (kind == ModelKind::Genre)
    for (MusicGenre g : all_genres()) norm["class_labels"].push_back(std::string(raw_value(g)));
  if (kind != ModelKind::Mix)
    for (ProductionTechnique t : all_techniques()) norm["technique_labels"].push_back(std::string(raw_value(t)));
  write_file_atomic(out_dir / (name + ".norm.json"), norm.dump(2));

  // The reference rows for exporters and analysis: outputs exactly as predict() gives them.
  const auto vrows = detail::validation_rows(monitor_rows, kValidationFileRows);
  Matrix vx(vrows.size(), data.features.cols);
  for (std::size_t i = 0; i < vrows.size(); ++i)
    std::copy_n(data.features.row(vrows[i]).begin(), vx.cols, vx.row(i).begin());
  std::vector<std::string> out_names;
  std::vector<std::int64_t> out_sizes;
  for (const auto& o : res.spec.outputs) {
    out_names.push_back(o.name);
    std::int64_t size = 1;
    for (auto d : o.shape) size *= d;
    out_sizes.push_back(size);
  }
  json vjson = detail::validation_json(kind, data, vrows, predict(ckpt, vx, cfg.threads), out_names, out_sizes);
  vjson["evaluated_on"] = report["evaluated_on"];
  write_file_atomic(out_dir / (name + ".validation.json"), vjson.dump());
  return res;
}

Matrix predict(const std::filesystem::path& checkpoint, const Matrix& features, int threads) {
  if (threads < 1) throw ParameterError(fmt::format("predict: threads must be >= 1, got {}", threads));
  State s = load_state(checkpoint, nullptr, nullptr);
  if (features.rows == 0) return Matrix(0, s.out_scale.size());
  if (features.cols != static_cast<std::size_t>(s.n_in))
    throw ParameterError(fmt::format("predict {}: features have {} columns, the model takes {}", checkpoint.string(),
                                     features.cols, s.n_in));
  for (float v : features.data)
    if (!std::isfinite(v)) throw ParameterError(fmt::format("predict {}: a feature is not finite", checkpoint.string()));
  torch::set_num_threads(threads);
  Net net(s.kind, s.n_in, s.lstm_units);
  copy_into(net, s.best);
  auto x = (matrix_to_tensor(features) - vec_to_tensor(s.in_mean)) / vec_to_tensor(s.in_std);
  auto n = x.size(0);
  Eval ev = evaluate(net, x, torch::zeros({n, static_cast<std::int64_t>(s.out_scale.size())}),
                     torch::zeros({n}, torch::kInt64));
  return to_raw(ev.act, s);
}

runtime::ModelSpec spec_from_checkpoint(const std::filesystem::path& checkpoint) {
  State s = load_state(checkpoint, nullptr, nullptr);
  Net net(s.kind, s.n_in, s.lstm_units);
  copy_into(net, s.best);
  return detail::build_spec(*net, s.in_mean, s.in_std, s.out_scale, s.out_bias);
}

}  // namespace echoelml::train

namespace echoelml::train {

struct TrainStepper::Impl {
  ModelKind kind;
  int batch;
  int lstm_units;
  Net net{nullptr};
  std::unique_ptr<torch::optim::Adam> opt;
  torch::Tensor x, y, labels;
};

TrainStepper::TrainStepper(ModelKind kind, const TrainConfig& cfg) : impl_(std::make_unique<Impl>()) {
  validate_config(kind, cfg);
  torch::set_num_threads(cfg.threads);
  torch::manual_seed(cfg.seed);
  auto& m = *impl_;
  m.kind = kind, m.batch = cfg.batch_size, m.lstm_units = cfg.lstm_units;
  m.net = Net(kind, input_size(kind), cfg.lstm_units);
  detail::keras_init(*m.net);
  m.opt = std::make_unique<torch::optim::Adam>(m.net->parameters(),
                                               torch::optim::AdamOptions(cfg.lr).betas({0.9, 0.999}).eps(1e-7));
  const int k = kind == ModelKind::Genre ? 1 : target_size(kind);
  m.x = torch::randn({cfg.batch_size, input_size(kind)});
  m.y = torch::rand({cfg.batch_size, k});
  if (kind == ModelKind::Technique || kind == ModelKind::TechniqueApp) m.y = (m.y > 0.8).to(torch::kFloat32);
  m.labels = torch::randint(kNumGenres, {cfg.batch_size}, torch::kInt64);
  m.net->train();
}

TrainStepper::~TrainStepper() = default;

double TrainStepper::step() {
  auto& m = *impl_;
  m.opt->zero_grad();
  auto loss = detail::model_loss(*m.net, m.net->forward(m.x), m.y, m.labels);
  loss.backward();
  m.opt->step();
  return loss.item<double>();
}

double TrainStepper::flops_per_step() const {
  double fwd = 0;
  for (const auto& p : impl_->net->named_parameters()) {
    if (p.key().find("weight") == std::string::npos) continue;
    const double mults = double(p.value().numel());
    // LSTM and the time-distributed head run once per step of the sequence.
    const bool per_step = impl_->kind == ModelKind::Pattern && p.key().rfind("dense", 0) != 0;
    fwd += 2.0 * mults * (per_step ? kPatternSteps : 1);
  }
  return 3.0 * fwd * impl_->batch;
}

double TrainStepper::lstm_flops_per_step() const {
  if (impl_->kind != ModelKind::Pattern) return 0.0;
  const double h = impl_->lstm_units, in1 = 256;
  const double fwd = 2.0 * 4 * h * (in1 + h) + 2.0 * 4 * h * (h + h);
  return 3.0 * fwd * kPatternSteps * impl_->batch;
}

}  // namespace echoelml::train
