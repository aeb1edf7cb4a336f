#include "echoelml/core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace echoelml {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<long long>(std::llround(seconds));
  if (s >= 3600) return fmt::format("{}h{:02d}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02d}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

Progress::Progress(std::string label, std::size_t total, bool quiet)
    : label_(std::move(label)),
      total_(total),
      quiet_(quiet),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::advance(std::size_t n, bool failed) {
  std::lock_guard lock(mutex_);
  done_ += n;
  if (failed) failed_ += n;
  auto now = std::chrono::steady_clock::now();
  // Non-terminals get a line per 10 % (or every 5 s) so logs stay short.
  auto min_gap = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  bool milestone = !tty_ && total_ > 0 && (done_ * 10 / total_) != ((done_ - n) * 10 / total_);
  if (now - last_draw_ >= min_gap || milestone) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::set_status(std::string status) {
  std::lock_guard lock(mutex_);
  status_ = std::move(status);
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  draw(true);
}

std::size_t Progress::done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

std::size_t Progress::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

void Progress::draw(bool final) {
  if (quiet_) return;
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  std::string line;
  if (total_ > 0) {
    constexpr int kWidth = 24;
    int filled = static_cast<int>(kWidth * std::min<double>(1.0, double(done_) / double(total_)));
    std::string bar(filled, '#');
    bar.resize(kWidth, '.');
    double left = rate > 0 ? double(total_ - std::min(done_, total_)) / rate : NAN;
    line = fmt::format("{} [{}] {}/{} {:.1f}/s {} {}", label_, bar, done_, total_, rate,
                       final ? "took " + format_duration(elapsed) : "left " + format_duration(left),
                       failed_ ? fmt::format("({} failed)", failed_) : "");
  } else {
    line = fmt::format("{} {} done {:.1f}/s {}", label_, done_, rate, format_duration(elapsed));
  }
  if (!status_.empty()) line += " " + status_;
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace echoelml
