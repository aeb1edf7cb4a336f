// A progress line on stderr: items done, rate and time left. Thread-safe; redraws at most
// every 100 ms, and prints plain lines instead of redrawing when stderr is not a terminal.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace echoelml {

class Progress {
 public:
  /// total = 0 means unknown. quiet suppresses all output.
  Progress(std::string label, std::size_t total, bool quiet = false);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Marks n more items done (failed ones count as done too).
  void advance(std::size_t n = 1, bool failed = false);
  /// Replaces the free-text status shown after the counters (e.g. "loss 0.31").
  void set_status(std::string status);
  /// Draws the final line and a newline; called by the destructor if not called before.
  void finish();

  std::size_t done() const;
  std::size_t failed() const;

 private:
  void draw(bool final);
  std::string label_;
  std::size_t total_;
  bool quiet_;
  bool tty_;
  bool finished_ = false;
  std::size_t done_ = 0;
  std::size_t failed_ = 0;
  std::string status_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  mutable std::mutex mutex_;
};

/// "1h02m", "3m05s", "12s": a short human duration.
std::string format_duration(double seconds);

}  // namespace echoelml
