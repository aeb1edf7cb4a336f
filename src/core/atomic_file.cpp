#include "echoelml/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "echoelml/core/error.h"

namespace echoelml {
namespace {

std::string errno_text() { return std::strerror(errno); }

void fsync_path(const std::filesystem::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::filesystem::path temp_path_for(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  auto name = "." + path.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
              std::to_string(counter++);
  return path.parent_path() / name;
}

void commit_atomic(const std::filesystem::path& tmp, const std::filesystem::path& path) {
  fsync_path(tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    auto reason = errno_text();
    std::filesystem::remove(tmp);
    throw IoError(path, "cannot rename temporary file into place: " + reason);
  }
  auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  fsync_path(dir);
}

void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  auto tmp = temp_path_for(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw IoError(path, "cannot create temporary file: " + errno_text());
  const auto* p = reinterpret_cast<const char*>(bytes.data());
  std::size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto reason = errno_text();
      ::close(fd);
      std::filesystem::remove(tmp);
      throw IoError(path, "write failed: " + reason);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    auto reason = errno_text();
    std::filesystem::remove(tmp);
    throw IoError(path, "flush failed: " + reason);
  }
  commit_atomic(tmp, path);
}

void write_file_atomic(const std::filesystem::path& path, std::string_view text) {
  write_file_atomic(path, std::as_bytes(std::span(text.data(), text.size())));
}

}  // namespace echoelml
