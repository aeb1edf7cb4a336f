// FeatureStore: the SQLite side (schema, pragmas, one transaction per put).
#include "echoelml/data/feature_store.h"

#include <sqlite3.h>

#include <cstring>

#include "echoelml/core/error.h"
#include "echoelml/data/hash.h"

namespace echoelml::data {
namespace fs = std::filesystem;
namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS features(
  hash INTEGER NOT NULL,
  kind TEXT NOT NULL,
  version INTEGER NOT NULL,
  ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
  n INTEGER NOT NULL,
  vector BLOB,
  json TEXT,
  error TEXT,
  source TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  PRIMARY KEY (hash, kind, version)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files(
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  hash INTEGER NOT NULL);
)sql";

// The 64-bit hash is stored as SQLite's signed INTEGER with the same bits.
std::int64_t to_sql(std::uint64_t h) {
  std::int64_t v;
  std::memcpy(&v, &h, sizeof v);
  return v;
}
std::uint64_t from_sql(std::int64_t v) {
  std::uint64_t h;
  std::memcpy(&h, &v, sizeof h);
  return h;
}

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql, const fs::path& path) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) fail("prepare");
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  void bind(int i, std::int64_t v) { check(sqlite3_bind_int64(s_, i, v)); }
  void bind(int i, const std::string& v) {
    check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  void bind_blob(int i, const void* p, std::size_t n) {
    check(sqlite3_bind_blob(s_, i, p, static_cast<int>(n), SQLITE_TRANSIENT));
  }
  void bind_null(int i) { check(sqlite3_bind_null(s_, i)); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  bool step() {  // true while a row is available
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail("step");
  }
  std::int64_t i64(int c) const { return sqlite3_column_int64(s_, c); }
  std::string text(int c) const {
    auto p = sqlite3_column_text(s_, c);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s_, c)) : "";
  }
  std::vector<float> floats(int c) const {
    std::vector<float> v(static_cast<std::size_t>(sqlite3_column_bytes(s_, c)) / sizeof(float));
    if (!v.empty()) std::memcpy(v.data(), sqlite3_column_blob(s_, c), v.size() * sizeof(float));
    return v;
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail("bind");
  }
  [[noreturn]] void fail(const char* what) {
    throw IoError(path_, std::string("feature store: ") + what + ": " + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  const fs::path& path_;
};

}  // namespace

std::string_view feature_kind_key(FeatureKind k) {
  switch (k) {
    case FeatureKind::Genre: return "genre";
    case FeatureKind::Technique: return "technique";
    case FeatureKind::AppTechnique: return "technique-app";
    case FeatureKind::Mix: return "mix";
  }
  return "?";
}

std::optional<FeatureKind> find_feature_kind(std::string_view key) {
  for (auto k : {FeatureKind::Genre, FeatureKind::Technique, FeatureKind::AppTechnique, FeatureKind::Mix})
    if (feature_kind_key(k) == key) return k;
  return std::nullopt;
}

unsigned feature_set_bit(FeatureKind k) {
  switch (k) {
    case FeatureKind::Genre: return features::kGenreSet;
    case FeatureKind::Technique: return features::kTechniqueSet;
    case FeatureKind::AppTechnique: return features::kAppTechniqueSet;
    case FeatureKind::Mix: return features::kMixSet;
  }
  return 0;
}

std::vector<FeatureKind> kinds_for(Section s) {
  switch (s) {
    case Section::Genre: return {FeatureKind::Genre};
    case Section::Technique: return {FeatureKind::Technique, FeatureKind::AppTechnique};
    case Section::Mix: return {FeatureKind::Mix};
    case Section::Pattern: return {};
  }
  return {};
}

std::vector<std::string> vector_names(FeatureKind k) {
  auto copy = [](const auto& names) { return std::vector<std::string>(names.begin(), names.end()); };
  switch (k) {
    case FeatureKind::Genre: return copy(features::GenreFeatures::vector_names());
    case FeatureKind::Technique: return copy(features::TechniqueFeatures::vector_names());
    case FeatureKind::AppTechnique: return copy(features::AppTechniqueFeatures::vector_names());
    case FeatureKind::Mix: {
      std::vector<std::string> v;
      for (int i = 0; i < 1024; ++i) v.push_back("spectrum_" + std::to_string(i));
      for (int i = 0; i < 6; ++i) v.push_back("freq_balance_" + std::to_string(i));
      for (const char* n : {"dynamic_range", "stereo_width", "peak_level", "rms_level"}) v.push_back(n);
      return v;
    }
  }
  return {};
}

FileStamp stamp_file(const fs::path& path) {
  std::error_code ec;
  FileStamp s;
  s.path = fs::absolute(path, ec).lexically_normal().string();
  s.size = fs::file_size(path, ec);
  if (ec) throw IoError(path, "cannot read file size: " + ec.message());
  auto t = fs::last_write_time(path, ec);
  if (ec) throw IoError(path, "cannot read modification time: " + ec.message());
  s.mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return s;
}

FeatureStore::FeatureStore(const fs::path& path, Mode mode) : path_(path) {
  int flags = mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY
                                     : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw IoError(path, "cannot open feature store: " + msg);
  }
  try {
    sqlite3_busy_timeout(db_, 10000);
    if (mode == Mode::ReadWrite) {
      // WAL + FULL: each commit is fsynced to the WAL, so it survives kill -9 and power loss.
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=FULL");
      exec("BEGIN IMMEDIATE");
      exec(kSchema);
      exec(("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '" +
            std::to_string(kSchemaVersion) + "')").c_str());
      exec("COMMIT");
    }
    Stmt st(db_, "SELECT value FROM meta WHERE key = 'schema_version'", path_);
    std::string v = st.step() ? st.text(0) : "";
    if (v != std::to_string(kSchemaVersion))
      throw FormatError(path_, "feature store schema version '" + v + "', expected " +
                                   std::to_string(kSchemaVersion));
  } catch (const IoError& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    // SQLite reports a non-database file as "file is not a database" on first use.
    throw FormatError(path_, std::string("not a usable feature store: ") + e.what());
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

FeatureStore::~FeatureStore() { sqlite3_close(db_); }

void FeatureStore::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw IoError(path_, "feature store: " + msg);
  }
}

std::optional<FeatureRecord> FeatureStore::get(std::uint64_t hash, FeatureKind kind, int version) const {
  Stmt st(db_,
          "SELECT ok, vector, json, error, source FROM features WHERE hash = ?1 AND kind = ?2 AND "
          "version = ?3",
          path_);
  st.bind(1, to_sql(hash));
  st.bind(2, std::string(feature_kind_key(kind)));
  st.bind(3, version);
  if (!st.step()) return std::nullopt;
  FeatureRecord r;
  r.hash = hash;
  r.kind = kind;
  r.version = version;
  r.ok = st.i64(0) != 0;
  r.vector = st.floats(1);
  r.json = st.text(2);
  r.error = st.text(3);
  r.source = st.text(4);
  return r;
}

void FeatureStore::put(const std::vector<FeatureRecord>& records, const std::optional<FileStamp>& stamp) {
  exec("BEGIN IMMEDIATE");
  try {
    Stmt ins(db_,
             "INSERT OR REPLACE INTO features(hash, kind, version, ok, n, vector, json, error, "
             "source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
             path_);
    for (const auto& r : records) {
      ins.bind(1, to_sql(r.hash));
      ins.bind(2, std::string(feature_kind_key(r.kind)));
      ins.bind(3, r.version);
      ins.bind(4, r.ok ? 1 : 0);
      ins.bind(5, static_cast<std::int64_t>(r.ok ? r.vector.size() : 0));
      if (r.ok) {
        ins.bind_blob(6, r.vector.data(), r.vector.size() * sizeof(float));
        ins.bind(7, r.json);
        ins.bind_null(8);
      } else {
        ins.bind_null(6);
        ins.bind_null(7);
        ins.bind(8, r.error);
      }
      ins.bind(9, r.source);
      ins.step();
      ins.reset();
    }
    if (stamp) {
      Stmt st(db_, "INSERT OR REPLACE INTO files(path, size, mtime_ns, hash) VALUES (?1, ?2, ?3, ?4)", path_);
      st.bind(1, stamp->path);
      st.bind(2, static_cast<std::int64_t>(stamp->size));
      st.bind(3, stamp->mtime_ns);
      st.bind(4, to_sql(stamp->hash));
      st.step();
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::map<std::pair<std::uint64_t, FeatureKind>, bool> FeatureStore::keys(int version) const {
  std::map<std::pair<std::uint64_t, FeatureKind>, bool> out;
  Stmt st(db_, "SELECT hash, kind, ok FROM features WHERE version = ?1", path_);
  st.bind(1, version);
  while (st.step())
    if (auto k = find_feature_kind(st.text(1))) out[{from_sql(st.i64(0)), *k}] = st.i64(2) != 0;
  return out;
}

std::map<std::string, FileStamp> FeatureStore::stamps() const {
  std::map<std::string, FileStamp> out;
  Stmt st(db_, "SELECT path, size, mtime_ns, hash FROM files", path_);
  while (st.step()) {
    FileStamp s{st.text(0), static_cast<std::uintmax_t>(st.i64(1)), st.i64(2), from_sql(st.i64(3))};
    out[s.path] = s;
  }
  return out;
}

std::uint64_t FeatureStore::file_hash(const fs::path& path) const {
  FileStamp now = stamp_file(path);
  Stmt st(db_, "SELECT size, mtime_ns, hash FROM files WHERE path = ?1", path_);
  st.bind(1, now.path);
  if (st.step() && static_cast<std::uintmax_t>(st.i64(0)) == now.size && st.i64(1) == now.mtime_ns)
    return from_sql(st.i64(2));
  return hash_file(path);
}

std::size_t FeatureStore::count(bool ok_only) const {
  Stmt st(db_, ok_only ? "SELECT count(*) FROM features WHERE ok = 1" : "SELECT count(*) FROM features", path_);
  st.step();
  return static_cast<std::size_t>(st.i64(0));
}

std::string FeatureStore::integrity_check() const {
  Stmt st(db_, "PRAGMA integrity_check", path_);
  std::string out;
  while (st.step()) out += (out.empty() ? "" : "\n") + st.text(0);
  return out;
}

}  // namespace echoelml::data
