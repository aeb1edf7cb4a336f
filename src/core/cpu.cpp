#include "echoelml/core/cpu.h"

#include <cstdlib>
#include <cstring>

namespace echoelml::core {

bool use_avx2() {
  static const bool v = [] {
    __builtin_cpu_init();  // may run before the CPU model is set up (static initialisers)
    const char* off = std::getenv("ECHOELML_NO_AVX2");
    if (off != nullptr && *off != '\0' && std::strcmp(off, "0") != 0) return false;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
  }();
  return v;
}

bool use_avx2_fma() {
  static const bool v = use_avx2() && __builtin_cpu_supports("fma");
  return v;
}

}  // namespace echoelml::core
