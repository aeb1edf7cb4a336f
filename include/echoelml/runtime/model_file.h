// The on-disk form of a ModelSpec (".espec"): training writes it next to its checkpoint,
// the exporters and the CLI read it.
//
// Layout (all integers little-endian):
//   bytes 0..7    magic "ECHOSPEC"
//   bytes 8..11   uint32 format version (2; version 1 files are still read)
//   bytes 12..19  uint64 length J of the JSON header
//   bytes 20..27  uint64 length D of the weight blob in bytes (a multiple of 4)
//   bytes 28..35  uint64 checksum of the weight blob (detects truncation/corruption). Version 2:
//                 the FNV-1a 64 step (basis 0xcbf29ce484222325, prime 0x100000001b3) over the
//                 blob's little-endian uint64 words in four lanes (word i -> lane i mod 4, lane k
//                 starts at basis ^ k), trailing bytes into lane 0, then byte-wise FNV-1a 64 over
//                 the four lanes and the blob length (5 x uint64). Version 1: byte-wise FNV-1a 64 with
//                 offset basis 1469598103934665603 (FNV's basis missing its last digit).
//   36..36+J      UTF-8 JSON: name, metadata, inputs, outputs, layers; every parameter tensor
//                 is {"shape": [...], "offset": <float index into the blob>}
//   then D bytes  float32 values, little-endian, in parameter order
#pragma once

#include <filesystem>

#include "echoelml/runtime/model_spec.h"

namespace echoelml::runtime {

/// Writes atomically (write_file_atomic). Throws ParameterError if the spec is inconsistent
/// (infer_shapes), IoError if the file cannot be written.
void save_model_spec(const ModelSpec& spec, const std::filesystem::path& path);

/// Reads and checks a file written by save_model_spec. Throws IoError if it cannot be read,
/// FormatError (path, byte offset, reason) if it is truncated, corrupt or not a spec file.
ModelSpec load_model_spec(const std::filesystem::path& path);

/// Name of a layer kind / activation as used in the file ("dense", "relu" ...), and back.
const char* to_string(LayerKind kind);
const char* to_string(Activation act);

}  // namespace echoelml::runtime
