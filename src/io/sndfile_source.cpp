#include "io/sndfile_source.h"

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <system_error>

#include "echoelml/core/error.h"

namespace echoelml::io::detail {
namespace {

namespace fs = std::filesystem;

std::uint32_t le32(const unsigned char* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
         std::uint32_t(p[3]) << 24;
}

// libsndfile silently shortens a RIFF/WAVE "data" chunk that claims more bytes than the file
// holds (it only logs it), so a cut-off download would load as a shorter clip. Walk the
// chunk headers ourselves and report that as truncation. Streaming writers put 0 or
// 0xFFFFFFFF in the size; those mean "unknown" and are accepted.
void check_riff_data_chunk(const fs::path& path, std::uintmax_t file_size) {
  std::ifstream in(path, std::ios::binary);
  unsigned char hdr[12];
  if (!in.read(reinterpret_cast<char*>(hdr), 12)) return;
  if (std::memcmp(hdr, "RIFF", 4) != 0 || std::memcmp(hdr + 8, "WAVE", 4) != 0) return;
  std::uint64_t pos = 12;
  for (int guard = 0; guard < 1024 && pos + 8 <= file_size; ++guard) {
    unsigned char ch[8];
    in.seekg(static_cast<std::streamoff>(pos));
    if (!in.read(reinterpret_cast<char*>(ch), 8)) return;
    const std::uint64_t size = le32(ch + 4);
    if (std::memcmp(ch, "data", 4) == 0) {
      if (size != 0 && size != 0xFFFFFFFFu && pos + 8 + size > file_size)
        throw FormatError(path, static_cast<std::int64_t>(pos),
                          "truncated WAV: data chunk declares " + std::to_string(size) +
                              " bytes but only " + std::to_string(file_size - pos - 8) +
                              " are present");
      return;
    }
    pos += 8 + size + (size & 1);  // chunks are padded to even sizes
  }
}

// libsndfile's own file I/O issues one read() per decoder request, and its MP3 decoder asks for a
// few hundred bytes at a time (13,800 system calls for a 3-minute MP3). Reading through a
// buffered FILE* instead serves those from a 64 KB buffer; large requests go straight through.
sf_count_t vio_length(void* user) { return static_cast<BufferedFile*>(user)->size; }
sf_count_t vio_seek(sf_count_t offset, int whence, void* user) {
  std::FILE* f = static_cast<BufferedFile*>(user)->file;
  if (::fseeko(f, static_cast<off_t>(offset), whence) != 0) return -1;
  return static_cast<sf_count_t>(::ftello(f));
}
sf_count_t vio_read(void* ptr, sf_count_t count, void* user) {
  return static_cast<sf_count_t>(std::fread(ptr, 1, static_cast<std::size_t>(count), static_cast<BufferedFile*>(user)->file));
}
sf_count_t vio_write(const void*, sf_count_t, void*) { return 0; }  // read-only
sf_count_t vio_tell(void* user) { return static_cast<sf_count_t>(::ftello(static_cast<BufferedFile*>(user)->file)); }

// True when every x[i] is finite: an all-ones exponent marks NaN and inf. Branch-free, so the
// compiler vectorises it (8 lanes where the CPU has AVX2); the slow scan below only runs when
// something is wrong.
__attribute__((target_clones("avx2", "default"))) bool all_finite(const float* x, std::size_t n) {
  std::uint32_t bad = 0;
  for (std::size_t i = 0; i < n; ++i)
    bad |= static_cast<std::uint32_t>((std::bit_cast<std::uint32_t>(x[i]) & 0x7f800000u) == 0x7f800000u);
  return bad == 0;
}

}  // namespace

// Throws on the first NaN/inf: such samples would poison every feature downstream.
void check_finite(const std::filesystem::path& path, const float* x, std::size_t n_frames,
                  std::size_t channels, std::size_t first_frame) {
  const std::size_t n = n_frames * channels;
  if (all_finite(x, n)) return;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) {
      throw FormatError(path, std::string("non-finite sample (") + (std::isnan(x[i]) ? "NaN" : "inf") +
                                  ") at frame " + std::to_string(first_frame + i / channels) +
                                  ", channel " + std::to_string(i % channels));
    }
  }
}

std::string major_format_name(int format) {
  switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV: return "WAV";
    case SF_FORMAT_AIFF: return "AIFF";
    case SF_FORMAT_AU: return "AU";
    case SF_FORMAT_RAW: return "RAW";
    case SF_FORMAT_W64: return "W64";
    case SF_FORMAT_WAVEX: return "WAVEX";
    case SF_FORMAT_FLAC: return "FLAC";
    case SF_FORMAT_CAF: return "CAF";
    case SF_FORMAT_OGG: return "OGG";
    case SF_FORMAT_RF64: return "RF64";
    case SF_FORMAT_MPEG: return "MP3";
    default: {
      char b[16];
      std::snprintf(b, sizeof b, "0x%06X", format & SF_FORMAT_TYPEMASK);
      return b;
    }
  }
}

std::string subtype_name(int format) {
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8: return "PCM_S8";
    case SF_FORMAT_PCM_16: return "PCM_16";
    case SF_FORMAT_PCM_24: return "PCM_24";
    case SF_FORMAT_PCM_32: return "PCM_32";
    case SF_FORMAT_PCM_U8: return "PCM_U8";
    case SF_FORMAT_FLOAT: return "FLOAT";
    case SF_FORMAT_DOUBLE: return "DOUBLE";
    case SF_FORMAT_ULAW: return "ULAW";
    case SF_FORMAT_ALAW: return "ALAW";
    case SF_FORMAT_IMA_ADPCM: return "IMA_ADPCM";
    case SF_FORMAT_MS_ADPCM: return "MS_ADPCM";
    case SF_FORMAT_GSM610: return "GSM610";
    case SF_FORMAT_VORBIS: return "VORBIS";
    case SF_FORMAT_OPUS: return "OPUS";
    case SF_FORMAT_ALAC_16: return "ALAC_16";
    case SF_FORMAT_ALAC_24: return "ALAC_24";
    case SF_FORMAT_MPEG_LAYER_I: return "MPEG_LAYER_I";
    case SF_FORMAT_MPEG_LAYER_II: return "MPEG_LAYER_II";
    case SF_FORMAT_MPEG_LAYER_III: return "MPEG_LAYER_III";
    default: {
      char b[16];
      std::snprintf(b, sizeof b, "0x%04X", format & SF_FORMAT_SUBMASK);
      return b;
    }
  }
}

SndfileSource::SndfileSource(const fs::path& path) : path_(path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw IoError(path, "cannot open audio file: no such file");
  if (fs::is_directory(st)) throw IoError(path, "cannot open audio file: is a directory");
  const auto size = fs::file_size(path, ec);
  if (ec) throw IoError(path, "cannot open audio file: " + ec.message());
  if (size == 0) throw FormatError(path, "not an audio file: the file is empty");
  file_size_ = size;
  io_.file = std::fopen(path.c_str(), "rb");
  if (io_.file == nullptr) throw IoError(path, std::string("cannot open audio file: ") + std::strerror(errno));
  io_.size = static_cast<sf_count_t>(size);
  constexpr std::size_t kBuffer = std::size_t{1} << 16;
  io_.buffer = std::make_unique<char[]>(kBuffer);
  std::setvbuf(io_.file, io_.buffer.get(), _IOFBF, kBuffer);
  check_riff_data_chunk(path, size);
  static SF_VIRTUAL_IO vio{vio_length, vio_seek, vio_read, vio_write, vio_tell};
  file_ = sf_open_virtual(&vio, SFM_READ, &info_, &io_);
  if (file_ == nullptr)
    throw FormatError(path, std::string("not a readable audio file (libsndfile: ") +
                                sf_strerror(nullptr) + ")");
  std::string bad;
  if (info_.channels <= 0 || info_.samplerate <= 0)
    bad = "invalid header: " + std::to_string(info_.channels) + " channels at " +
          std::to_string(info_.samplerate) + " Hz";
  else if (info_.frames < 0 || info_.frames == SF_COUNT_MAX)
    // libsndfile reports SF_COUNT_MAX when an Ogg stream has no final page (cut-off file);
    // soundfile/librosa would then try to allocate that many frames.
    bad = "cannot determine the length (truncated or unterminated stream)";
  if (!bad.empty()) {
    sf_close(file_);
    file_ = nullptr;
    throw FormatError(path, bad);
  }
}

SndfileSource::~SndfileSource() {
  if (file_ != nullptr) sf_close(file_);
}

bool SndfileSource::frames_exact() const {
  return (info_.format & SF_FORMAT_TYPEMASK) != SF_FORMAT_MPEG;
}

AudioInfo SndfileSource::audio_info() const {
  AudioInfo a;
  a.sr = info_.samplerate;
  a.channels = static_cast<std::size_t>(info_.channels);
  a.frames = info_.frames > 0 ? static_cast<std::size_t>(info_.frames) : 0;
  a.format = major_format_name(info_.format);
  a.subtype = subtype_name(info_.format);
  a.duration_s = static_cast<double>(a.frames) / a.sr;
  return a;
}

void SndfileSource::seek(std::int64_t frame) {
  if (frame > info_.frames)
    throw ParameterError(path_.string() + ": offset of " + std::to_string(frame) +
                         " frames is past the end (" + std::to_string(info_.frames) + " frames)");
  if (sf_seek(file_, frame, SEEK_SET) < 0)
    throw FormatError(path_, "cannot seek to frame " + std::to_string(frame) + " (libsndfile: " +
                                 sf_strerror(file_) + ")");
}

std::size_t SndfileSource::read(float* interleaved, std::size_t n) {
  const sf_count_t got = sf_readf_float(file_, interleaved, static_cast<sf_count_t>(n));
  if (got < 0 || sf_error(file_) != SF_ERR_NO_ERROR)
    throw FormatError(path_, std::string("decoding failed (libsndfile: ") + sf_strerror(file_) + ")");
  return static_cast<std::size_t>(got);
}

}  // namespace echoelml::io::detail
