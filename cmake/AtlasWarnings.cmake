# Project-wide compile options: warnings, determinism-relevant float flags, sanitizers.
add_compile_definitions(_GNU_SOURCE)
add_compile_options(
  -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wvla -Wformat=2 -Wno-format-nonliteral -Wundef
  # Floating-point results must not depend on the build: no fused multiply-add contraction.
  -ffp-contract=off)
if(ATLAS_WERROR)
  add_compile_options(-Werror)
endif()
if(ATLAS_SANITIZE)
  # float-cast-overflow is not part of "undefined": a double too large for its integer
  # (a sampled time past the end of time) is undefined behaviour all the same.
  add_compile_options(-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined,float-cast-overflow)
endif()
if(ATLAS_FUZZ)
  # Instrument everything for coverage; the fuzz targets add -fsanitize=fuzzer at link time.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined,float-cast-overflow
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined,float-cast-overflow)
endif()
