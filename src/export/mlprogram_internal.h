// Internal pieces of the ML Program (.mlpackage) writer, reader, validator and evaluator.
// Facts (ported, not copied) from apple/coremltools: MILBlob/Blob/StorageFormat.hpp (weight
// file), modelpackage/src/ModelPackage.cpp (Manifest.json), MIL.proto and the iOS15 op
// definitions (coremltools/converters/mil/mil/ops/defs/iOS15).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "coreml_internal.h"
#include "echoelml/export/coreml.h"

namespace echoelml::exporter::detail {

namespace mil = CoreML::Specification::MILSpec;

// ---- weight.bin: Core ML blob storage format, version 2 ------------------------------------
// File = 64-byte header {u32 count, u32 version = 2, 7 x u64 reserved}, then per blob a 64-byte
// metadata record {u32 sentinel 0xDEADBEEF, u32 dtype, u64 sizeInBytes, u64 data offset,
// 5 x u64 reserved} followed by the data; every record and data block starts 64-byte aligned.
// A const op's blobFileValue.offset is the offset of the blob's metadata record.
constexpr std::uint64_t kBlobAlignment = 64;
constexpr std::uint32_t kBlobSentinel = 0xDEADBEEFu;
constexpr std::uint32_t kBlobStorageVersion = 2;
enum class BlobType : std::uint32_t { Float16 = 1, Float32 = 2, UInt8 = 3, Int8 = 4 };
std::string blob_type_name(BlobType t);

class BlobWriter {
 public:
  BlobWriter();
  /// Appends float32 data; returns the metadata offset to put in blobFileValue.offset.
  std::uint64_t add_fp32(std::span<const float> values);
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
  std::uint32_t count_ = 0;
};

struct BlobInfo {
  std::uint64_t metadata_offset = 0;
  std::uint64_t data_offset = 0;
  std::uint64_t size_bytes = 0;
  BlobType type = BlobType::Float32;
};

/// A weight file read into memory. Throws IoError if unreadable, FormatError (with the byte
/// offset) for a bad header, a bad metadata record or data outside the file.
class BlobFile {
 public:
  explicit BlobFile(const std::filesystem::path& path);
  BlobInfo info(std::uint64_t metadata_offset) const;
  /// The blob at metadata_offset as floats (fp32 or fp16 data); `count` must match its size.
  std::vector<float> floats(std::uint64_t metadata_offset, std::uint64_t count) const;
  /// All blobs, walking the file from the header (header count must match).
  std::vector<BlobInfo> list() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::string bytes_;
};

// ---- Manifest.json -------------------------------------------------------------------------
constexpr const char* kCoreMLAuthor = "com.apple.CoreML";
constexpr const char* kModelItemPath = "com.apple.CoreML/model.mlmodel";
constexpr const char* kWeightsItemPath = "com.apple.CoreML/weights";
constexpr const char* kWeightFileRef = "@model_path/weights/weight.bin";

/// Manifest text for a package whose root model is model.mlmodel and that holds weights/.
/// Identifiers are UUID-shaped and derived from `seed`, so output is deterministic.
std::string manifest_json(const std::string& seed);
/// Checks Manifest.json of `package` (version, item entries, root model = model.mlmodel, items
/// exist). Throws FormatError naming the manifest and the problem.
void check_manifest(const std::filesystem::path& package);

// ---- Program helpers shared by evaluator, validator and inspector ---------------------------
/// The main function's active block; FormatError if there is none.
const mil::Block& main_block(const cml::Model& m, const std::filesystem::path& where);
std::string value_type_text(const mil::ValueType& t);

/// Runs the main function of an ML Program on inputs (checked against the description).
FeatureMap run_mlprogram(const cml::Model& m, const std::filesystem::path& package, const FeatureMap& in);

/// Core ML's ML Program rules (spec >= 6, main function, opset, interface == function
/// signature, defined names, tensor I/O with FLOAT32/INT32 (FLOAT16 at spec >= 7), weight
/// references inside the package). Appends "<where>: <rule>" messages.
void validate_mlprogram(const cml::Model& m, const std::filesystem::path& package, const std::string& where,
                        std::vector<std::string>* errors);

/// Printable function signature, ops and weight blobs (for `inspect`).
std::string describe_mlprogram(const cml::Model& m, const std::filesystem::path& package, const std::string& ind);

}  // namespace echoelml::exporter::detail
