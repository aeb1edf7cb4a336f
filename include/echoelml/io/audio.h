// Audio file I/O with librosa 0.10.1 `load` semantics (libsndfile decoding, soxr_hq resampling).
//
// What matches librosa.load(path, sr=..., mono=..., offset=..., duration=...) exactly:
//  - libsndfile decodes to float32 (sf_readf_float, default normalisation: PCM-16 / 32768,
//    PCM-24 / 2^23, PCM-32 / 2^31; float files unscaled).
//  - offset and duration are cut at the native rate: int(offset*sr_native) frames are skipped,
//    int(duration*sr_native) frames are read, capped at the frame count libsndfile reports
//    (soundfile's rule; for MP3 that count is an estimate and decoding stops at the real end).
//  - mono is the float32 mean over channels, (L+R)/2 for stereo, taken before resampling.
//  - resampling (only when sr_native != sr) is libsoxr SOXR_HQ, fed in chunks of
//    int(48000*sr_in/sr_out) frames then flushed (python-soxr 0.3.7), output fixed to
//    ceil(N*sr/sr_native) samples. Each channel is resampled on its own (mono=false).
// Thread safety: all functions are reentrant; no global state.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace echoelml::io {

/// librosa.load keyword arguments. Defaults are this project's (sr=44100), not librosa's 22050.
struct LoadParams {
  double sr = 44100.0;                 ///< target rate in Hz; 0 keeps the native rate (librosa sr=None)
  bool mono = true;                    ///< average channels before resampling
  double offset = 0.0;                 ///< seconds skipped at the start, >= 0
  std::optional<double> duration{};    ///< seconds read after offset, >= 0; empty = to the end
};

/// Decoded audio. Channel-major: channel c is data[c*frames, (c+1)*frames).
struct AudioBuffer {
  double sr = 0.0;
  std::size_t channels = 0;
  std::size_t frames = 0;
  std::vector<float> data;
  std::span<const float> channel(std::size_t c) const;  ///< throws ParameterError if c >= channels
  std::span<float> channel(std::size_t c);
  double duration_s() const { return sr > 0 ? static_cast<double>(frames) / sr : 0.0; }
};

/// What the file header says. For MP3, frames (and so duration_s) is libsndfile's estimate.
struct AudioInfo {
  double sr = 0.0;
  std::size_t channels = 0;
  std::size_t frames = 0;
  std::string format;   ///< soundfile's major format name: "WAV", "FLAC", "OGG", "MP3", ...
  std::string subtype;  ///< soundfile's subtype name: "PCM_16", "PCM_24", "FLOAT", "VORBIS", "MPEG_LAYER_III", ...
  double duration_s = 0.0;
};

/// Reads only the header. Throws IoError (missing/unreadable) or FormatError (not audio,
/// unsupported, truncated WAV data chunk).
AudioInfo probe(const std::filesystem::path& path);

/// librosa.load. Throws IoError, FormatError (malformed or truncated file, NaN/inf samples,
/// with the frame and channel of the first one) or ParameterError (negative offset/duration/sr,
/// offset past the end). Peak memory: the output plus O(block) buffers; the native-rate signal
/// is never held in full when resampling.
AudioBuffer load(const std::filesystem::path& path, const LoadParams& p = {});

/// librosa.resample(y, orig_sr=sr_in, target_sr=sr_out, res_type="soxr_hq"). Returns y
/// unchanged when the rates are equal. Throws ParameterError for rates <= 0.
std::vector<float> resample(std::span<const float> y, double sr_in, double sr_out);

enum class WavSubtype { Pcm16, Pcm24, Float32 };

/// Writes a WAV file atomically (temporary file + rename). PCM subtypes scale by 2^15 / 2^23
/// (the inverse of the reader, so k/32768 round-trips exactly) and clip to the integer range.
/// Zero frames give a valid empty file. Throws ParameterError for 0 channels, data.size() !=
/// channels*frames, a non-integer or non-positive sr, or non-finite samples;
/// IoError when the file cannot be written.
void write_wav(const std::filesystem::path& path, const AudioBuffer& audio,
               WavSubtype subtype = WavSubtype::Pcm16);

}  // namespace echoelml::io
