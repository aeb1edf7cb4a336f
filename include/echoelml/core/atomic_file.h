// Atomic file output: a file is complete or absent, never half-written.
#pragma once

#include <filesystem>
#include <span>
#include <string_view>

namespace echoelml {

/// Writes bytes to `path` through a temporary file in the same folder, fsync and rename.
/// Throws IoError naming the path on failure; the old file (if any) is then untouched.
void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> bytes);
void write_file_atomic(const std::filesystem::path& path, std::string_view text);

/// A temporary path next to `path` for writers that need a file name (libsndfile, SQLite
/// export ...): write there, then call commit_atomic(tmp, path).
std::filesystem::path temp_path_for(const std::filesystem::path& path);
/// fsyncs tmp and renames it over path. Throws IoError on failure (tmp is removed).
void commit_atomic(const std::filesystem::path& tmp, const std::filesystem::path& path);

}  // namespace echoelml
