// Human-readable description of an exported model.
#pragma once

#include <filesystem>
#include <string>

namespace echoelml::exporter {

/// Interface (names, types, shapes, descriptions), stages/layers, weight types and sizes and
/// metadata of a .mlmodel file, an .mlpackage folder or an .onnx file.
/// Throws IoError if unreadable, FormatError for an unknown or corrupt file.
std::string inspect(const std::filesystem::path& path);

}  // namespace echoelml::exporter
