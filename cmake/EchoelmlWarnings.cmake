# Warning flags for every echoelml target (never -march=native: binaries must run on any x86-64).
function(echoelml_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-sign-compare)
  if(ECHOELML_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
