# Compile settings shared by every TiGrIS C target (kernels, runtime core,
# tests, the examples): C99 without extensions, strict warnings, optional sanitizers.
#
#   tigris_c_defaults(<target>)
#
# Options read: TIGRIS_WERROR (warnings are errors), TIGRIS_SANITIZE
# (AddressSanitizer + UndefinedBehaviorSanitizer, every report fatal).

include_guard(GLOBAL)

option(TIGRIS_WERROR "Treat compiler warnings as errors" ON)
option(TIGRIS_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)

# Flags for compilers that take GCC-style options (GCC, Clang, xtensa-esp-elf-gcc).
set(TIGRIS_C_WARNINGS
    -Wall -Wextra -pedantic
    -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wvla                 # no variable-length arrays: stack use must be static
    -Wconversion          # every narrowing is written out
    -Wdouble-promotion    # no silent double arithmetic on targets without FPU doubles
    -Wcast-qual)

set(TIGRIS_SANITIZE_FLAGS
    -fsanitize=address,undefined
    -fno-sanitize-recover=all   # a UBSan report aborts, so tests see it
    -fno-omit-frame-pointer)

function(tigris_c_defaults target)
  set_target_properties(${target} PROPERTIES
    C_STANDARD 99
    C_STANDARD_REQUIRED ON
    C_EXTENSIONS OFF
    POSITION_INDEPENDENT_CODE ON)
  if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE ${TIGRIS_C_WARNINGS})
    if(TIGRIS_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
    if(TIGRIS_SANITIZE)
      target_compile_options(${target} PRIVATE ${TIGRIS_SANITIZE_FLAGS} -g)
      get_target_property(kind ${target} TYPE)
      if(NOT kind STREQUAL "OBJECT_LIBRARY" AND NOT kind STREQUAL "STATIC_LIBRARY")
        target_link_options(${target} PRIVATE -fsanitize=address,undefined)
      endif()
    elseif(CMAKE_C_COMPILER_ID STREQUAL "GNU")
      # Fixed, small frames: a kernel runs on a task stack of a few KiB.
      target_compile_options(${target} PRIVATE -Wstack-usage=512)
    endif()
  endif()
endfunction()
