// The two files around an ML Program: weights/weight.bin (Core ML blob storage, version 2)
// and the package's Manifest.json. Layouts: see mlprogram_internal.h.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "echoelml/core/error.h"
#include "mlprogram_internal.h"

namespace echoelml::exporter::detail {
namespace {

namespace fs = std::filesystem;

// Little-endian fields, written and read byte by byte so the format does not depend on the host.
void put_u32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
void put_u64(std::string& s, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
std::uint32_t get_u32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
  return v;
}
std::uint64_t get_u64(const std::string& s, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
  return v;
}
std::uint64_t align_up(std::uint64_t x) { return (x + kBlobAlignment - 1) / kBlobAlignment * kBlobAlignment; }

constexpr std::size_t kHeaderSize = 64;    // storage_header
constexpr std::size_t kMetadataSize = 64;  // blob_metadata

// IEEE half -> float (fp16 blobs written by other tools).
float half_to_float(std::uint16_t h) {
  std::uint32_t sign = (h >> 15) & 1u, exp = (h >> 10) & 0x1Fu, man = h & 0x3FFu;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(man), -24);
  else if (exp == 31) v = man ? NAN : INFINITY;
  else v = std::ldexp(static_cast<float>(man | 0x400u), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

std::uint64_t fnv1a64(const std::string& s, std::uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

// A UUID-shaped identifier (version-4 layout) from a seed; Core ML only needs unique keys.
std::string identifier(const std::string& seed) {
  std::uint64_t a = fnv1a64(seed, 0xCBF29CE484222325ull), b = fnv1a64(seed + "#", a ^ 0x9E3779B97F4A7C15ull);
  a = (a & ~0xF000ull) | 0x4000ull;                                      // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;               // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08X-%04X-%04X-%04X-%012llX", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFFF),
                static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFull));
  return buf;
}

}  // namespace

std::string blob_type_name(BlobType t) {
  switch (t) {
    case BlobType::Float16: return "fp16";
    case BlobType::Float32: return "fp32";
    case BlobType::UInt8: return "uint8";
    case BlobType::Int8: return "int8";
  }
  return "unknown";
}

BlobWriter::BlobWriter() : bytes_(kHeaderSize, '\0') {
  put_u32(bytes_, 0, 0);
  put_u32(bytes_, 4, kBlobStorageVersion);
}

std::uint64_t BlobWriter::add_fp32(std::span<const float> values) {
  const std::uint64_t meta = align_up(bytes_.size());
  const std::uint64_t data = meta + kMetadataSize;  // 64-aligned because meta is
  const std::uint64_t size = values.size() * sizeof(float);
  bytes_.resize(data + size, '\0');
  put_u32(bytes_, meta, kBlobSentinel);
  put_u32(bytes_, meta + 4, static_cast<std::uint32_t>(BlobType::Float32));
  put_u64(bytes_, meta + 8, size);
  put_u64(bytes_, meta + 16, data);
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &values[i], sizeof bits);
    put_u32(bytes_, data + 4 * i, bits);
  }
  bytes_.resize(align_up(bytes_.size()), '\0');
  put_u32(bytes_, 0, ++count_);
  return meta;
}

BlobFile::BlobFile(const fs::path& path) : path_(path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw IoError(path, "cannot open ML Program weight file");
  bytes_.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  if (bytes_.size() < kHeaderSize)
    throw FormatError(path, 0, "weight file too short for its 64-byte header (" + std::to_string(bytes_.size()) + " bytes)");
  if (get_u32(bytes_, 4) != kBlobStorageVersion)
    throw FormatError(path, 4, "weight file storage version is " + std::to_string(get_u32(bytes_, 4)) + ", expected 2");
}

BlobInfo BlobFile::info(std::uint64_t off) const {
  if (off < kHeaderSize || off % kBlobAlignment != 0)
    throw FormatError(path_, static_cast<std::int64_t>(off), "blob offset is not a 64-byte aligned record after the header");
  if (off + kMetadataSize > bytes_.size())
    throw FormatError(path_, static_cast<std::int64_t>(off), "blob metadata record lies beyond the end of the file (" +
                                                                std::to_string(bytes_.size()) + " bytes)");
  if (get_u32(bytes_, off) != kBlobSentinel)
    throw FormatError(path_, static_cast<std::int64_t>(off), "invalid sentinel in blob metadata (expected 0xDEADBEEF)");
  BlobInfo b;
  b.metadata_offset = off;
  std::uint32_t t = get_u32(bytes_, off + 4);
  if (t < 1 || t > 4) throw FormatError(path_, static_cast<std::int64_t>(off + 4), "unknown blob data type " + std::to_string(t));
  b.type = static_cast<BlobType>(t);
  b.size_bytes = get_u64(bytes_, off + 8);
  b.data_offset = get_u64(bytes_, off + 16);
  if (b.data_offset < off + kMetadataSize || b.data_offset % kBlobAlignment != 0)
    throw FormatError(path_, static_cast<std::int64_t>(off + 16), "blob data offset " + std::to_string(b.data_offset) + " is invalid");
  if (b.data_offset > bytes_.size() || b.size_bytes > bytes_.size() - b.data_offset)
    throw FormatError(path_, static_cast<std::int64_t>(off + 8),
                      "blob data [" + std::to_string(b.data_offset) + ", +" + std::to_string(b.size_bytes) +
                          ") lies beyond the end of the file (" + std::to_string(bytes_.size()) + " bytes, truncated?)");
  return b;
}

std::vector<float> BlobFile::floats(std::uint64_t off, std::uint64_t count) const {
  BlobInfo b = info(off);
  std::vector<float> out(count);
  if (b.type == BlobType::Float32) {
    if (b.size_bytes != count * 4)
      throw FormatError(path_, static_cast<std::int64_t>(off), "fp32 blob holds " + std::to_string(b.size_bytes) +
                                                                   " bytes, the const needs " + std::to_string(count * 4));
    for (std::uint64_t i = 0; i < count; ++i) {
      std::uint32_t bits = get_u32(bytes_, b.data_offset + 4 * i);
      std::memcpy(&out[i], &bits, sizeof bits);
    }
  } else if (b.type == BlobType::Float16) {
    if (b.size_bytes != count * 2)
      throw FormatError(path_, static_cast<std::int64_t>(off), "fp16 blob holds " + std::to_string(b.size_bytes) +
                                                                   " bytes, the const needs " + std::to_string(count * 2));
    for (std::uint64_t i = 0; i < count; ++i)
      out[i] = half_to_float(static_cast<std::uint16_t>(static_cast<unsigned char>(bytes_[b.data_offset + 2 * i]) |
                                                        (static_cast<unsigned char>(bytes_[b.data_offset + 2 * i + 1]) << 8)));
  } else {
    throw FormatError(path_, static_cast<std::int64_t>(off), "blob of type " + blob_type_name(b.type) + " used as a float tensor");
  }
  return out;
}

std::vector<BlobInfo> BlobFile::list() const {
  std::vector<BlobInfo> out;
  const std::uint32_t count = get_u32(bytes_, 0);
  std::uint64_t off = kHeaderSize;
  for (std::uint32_t i = 0; i < count; ++i) {
    BlobInfo b = info(off);
    out.push_back(b);
    off = align_up(b.data_offset + b.size_bytes);
  }
  return out;
}

std::string manifest_json(const std::string& seed) {
  const std::string model_id = identifier(seed + "/model"), weights_id = identifier(seed + "/weights");
  nlohmann::ordered_json j;
  j["fileFormatVersion"] = "1.0.0";
  j["itemInfoEntries"][model_id] = {{"author", kCoreMLAuthor},
                                    {"description", "CoreML Model Specification"},
                                    {"name", "model.mlmodel"},
                                    {"path", kModelItemPath}};
  j["itemInfoEntries"][weights_id] = {{"author", kCoreMLAuthor},
                                      {"description", "CoreML Model Weights"},
                                      {"name", "weights"},
                                      {"path", kWeightsItemPath}};
  j["rootModelIdentifier"] = model_id;
  return j.dump(4) + "\n";
}

void check_manifest(const fs::path& package) {
  const fs::path mp = package / "Manifest.json";
  std::ifstream f(mp, std::ios::binary);
  if (!f) throw FormatError(mp, "not an .mlpackage: Manifest.json missing or unreadable");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw FormatError(mp, "Manifest.json is not a valid JSON object (truncated or corrupt)");
  auto str = [&](const nlohmann::json& o, const char* key, const std::string& where) -> std::string {
    auto it = o.find(key);
    if (it == o.end() || !it->is_string()) throw FormatError(mp, where + ": \"" + key + "\" missing or not a string");
    return it->get<std::string>();
  };
  const std::string version = str(j, "fileFormatVersion", "manifest");
  int major = -1, minor = -1, patch = -1;
  char tail = 0;
  if (std::sscanf(version.c_str(), "%d.%d.%d%c", &major, &minor, &patch, &tail) != 3 || major < 0 || minor < 0 || patch < 0)
    throw FormatError(mp, "fileFormatVersion '" + version + "' is not major.minor.patch");
  if (major != 1 || minor != 0 || patch != 0) throw FormatError(mp, "unsupported fileFormatVersion '" + version + "' (1.0.0 known)");
  auto entries = j.find("itemInfoEntries");
  if (entries == j.end() || !entries->is_object()) throw FormatError(mp, "\"itemInfoEntries\" missing or not an object");
  for (const auto& [id, e] : entries->items()) {
    if (!e.is_object()) throw FormatError(mp, "item '" + id + "' is not an object");
    for (const char* k : {"author", "description", "name"}) str(e, k, "item '" + id + "'");
    const std::string path = str(e, "path", "item '" + id + "'");
    if (path.empty() || path.find("..") != std::string::npos || path.front() == '/')
      throw FormatError(mp, "item '" + id + "' has an invalid path '" + path + "'");
    if (!fs::exists(package / "Data" / path)) throw FormatError(mp, "item '" + id + "' (" + path + ") does not exist in the package");
  }
  const std::string root = str(j, "rootModelIdentifier", "manifest");
  auto r = entries->find(root);
  if (r == entries->end()) throw FormatError(mp, "rootModelIdentifier '" + root + "' names no item");
  if (str(*r, "path", "root item") != kModelItemPath)
    throw FormatError(mp, "root model path is '" + str(*r, "path", "root item") + "'; echoelml reads " + kModelItemPath);
}

}  // namespace echoelml::exporter::detail
