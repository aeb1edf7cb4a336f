// extract_features: worker threads compute, one writer thread commits (one transaction per file).
#include "echoelml/data/extract.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "echoelml/core/parallel.h"
#include "echoelml/core/progress.h"
#include "echoelml/data/feature_store.h"
#include "echoelml/data/hash.h"

namespace echoelml::data {
namespace {

using Key = std::pair<std::uint64_t, FeatureKind>;

// What a worker hands the writer: one file's records, committed together.
struct Job {
  std::string rel;
  std::vector<FeatureRecord> records;
  std::optional<FileStamp> stamp;
  bool computed = false;
};

// Bounded queue: workers block while it is full, so memory stays flat on huge data sets.
class JobQueue {
 public:
  explicit JobQueue(std::size_t capacity) : capacity_(capacity) {}
  bool push(Job job) {
    std::unique_lock lock(m_);
    not_full_.wait(lock, [&] { return q_.size() < capacity_ || aborted_; });
    if (aborted_) return false;
    q_.push_back(std::move(job));
    not_empty_.notify_one();
    return true;
  }
  std::optional<Job> pop() {
    std::unique_lock lock(m_);
    not_empty_.wait(lock, [&] { return !q_.empty() || closed_ || aborted_; });
    if (aborted_ || q_.empty()) return std::nullopt;
    Job j = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return j;
  }
  void close() {
    std::lock_guard lock(m_);
    closed_ = true;
    not_empty_.notify_all();
  }
  void abort() {
    std::lock_guard lock(m_);
    aborted_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }
  bool aborted() const {
    std::lock_guard lock(m_);
    return aborted_;
  }

 private:
  std::size_t capacity_;
  std::deque<Job> q_;
  bool closed_ = false, aborted_ = false;
  mutable std::mutex m_;
  std::condition_variable not_full_, not_empty_;
};

unsigned mask_of(const std::vector<FeatureKind>& kinds) {
  unsigned m = 0;
  for (auto k : kinds) m |= feature_set_bit(k);
  return m;
}

}  // namespace

ExtractSummary extract_features(const DatasetIndex& index, const std::filesystem::path& store_path,
                                const ExtractParams& params, const FileExtractor& extractor) {
  FeatureStore store(store_path);
  const auto done = store.keys();
  const auto stamps = store.stamps();
  std::map<Key, std::string> old_errors;  // texts of failures recorded by earlier runs
  for (const auto& [key, ok] : done)
    if (!ok)
      if (auto r = store.get(key.first, key.second)) old_errors[key] = r->error;

  std::vector<const Entry*> todo;
  for (const auto& e : index.entries)
    if (!kinds_for(e.section).empty()) todo.push_back(&e);

  ExtractSummary summary;
  summary.files = todo.size();
  std::mutex summary_mutex, claim_mutex;
  std::set<Key> claimed;  // kinds some worker of this run is computing (duplicate files)
  std::atomic<std::size_t> started{0};
  Progress progress("extract", todo.size(), params.quiet);
  JobQueue queue(32);
  std::exception_ptr writer_error;

  std::thread writer([&] {
    try {
      while (auto job = queue.pop()) {
        if (!job->records.empty() || job->stamp) store.put(job->records, job->stamp);
        bool failed = false;
        std::lock_guard lock(summary_mutex);
        for (const auto& r : job->records)
          if (!r.ok) {
            failed = true;
            summary.failures.push_back({job->rel, std::string(feature_kind_key(r.kind)), r.error, false});
          }
        if (job->computed) ++summary.computed;
        if (failed) ++summary.failed;
        if (job->computed) progress.advance(1, failed);
      }
    } catch (...) {
      writer_error = std::current_exception();
      queue.abort();
    }
  });

  parallel_for(todo.size(), params.threads, [&](std::size_t i) {
    if (queue.aborted()) return;
    const Entry& e = *todo[i];
    const auto kinds = kinds_for(e.section);
    FileStamp stamp;
    bool stamp_new = true;
    try {
      stamp = stamp_file(e.path);
      auto it = stamps.find(stamp.path);
      if (it != stamps.end() && it->second.size == stamp.size && it->second.mtime_ns == stamp.mtime_ns) {
        stamp.hash = it->second.hash;
        stamp_new = false;
      } else {
        stamp.hash = hash_file(e.path);
      }
    } catch (const std::exception& ex) {
      std::lock_guard lock(summary_mutex);
      summary.failures.push_back({e.rel, "hash", ex.what(), false});
      ++summary.failed;
      progress.advance(1, true);
      return;
    }

    std::vector<FeatureKind> need;
    std::vector<ExtractFailure> previous;
    {
      std::lock_guard lock(claim_mutex);
      for (auto k : kinds) {
        Key key{stamp.hash, k};
        auto d = done.find(key);
        if (d != done.end() && (d->second || !params.retry_failed)) {
          if (!d->second) previous.push_back({e.rel, std::string(feature_kind_key(k)), old_errors[key], true});
          continue;
        }
        if (claimed.insert(key).second) need.push_back(k);
      }
    }
    if (need.empty()) {
      {
        std::lock_guard lock(summary_mutex);
        ++summary.reused;
        if (!previous.empty()) ++summary.failed;
        summary.failures.insert(summary.failures.end(), previous.begin(), previous.end());
      }
      progress.advance(1, !previous.empty());
      if (stamp_new) queue.push(Job{e.rel, {}, stamp, false});
      return;
    }
    if (params.max_files && started.fetch_add(1) >= params.max_files) {
      std::lock_guard lock(summary_mutex);
      ++summary.not_done;
      return;
    }

    Job job{e.rel, {}, stamp, true};
    try {
      features::FileFeatures f = extractor(e.path, mask_of(need));
      for (auto k : need) job.records.push_back(encode_features(f, k, stamp.hash, e.rel));
    } catch (const std::exception& ex) {
      job.records.clear();
      for (auto k : need) {
        FeatureRecord r;
        r.hash = stamp.hash;
        r.kind = k;
        r.error = ex.what();
        r.source = e.rel;
        job.records.push_back(std::move(r));
      }
    }
    if (!previous.empty()) {
      std::lock_guard lock(summary_mutex);
      summary.failures.insert(summary.failures.end(), previous.begin(), previous.end());
    }
    queue.push(std::move(job));
  });
  queue.close();
  writer.join();
  progress.finish();
  if (writer_error) std::rethrow_exception(writer_error);
  std::sort(summary.failures.begin(), summary.failures.end(), [](const auto& a, const auto& b) {
    return std::tie(a.rel, a.kind) < std::tie(b.rel, b.kind);
  });
  return summary;
}

std::string format_summary(const ExtractSummary& s) {
  std::string out = "extract: " + std::to_string(s.files) + " files, " + std::to_string(s.computed) +
                    " computed, " + std::to_string(s.reused) + " already stored, " +
                    std::to_string(s.failed) + " failed";
  if (s.not_done) out += ", " + std::to_string(s.not_done) + " left for a later run";
  out += "\n";
  for (const auto& f : s.failures)
    out += "  failed: " + f.rel + " [" + f.kind + "]" + (f.previous_run ? " (earlier run)" : "") +
           ": " + f.error + "\n";
  return out;
}

}  // namespace echoelml::data
