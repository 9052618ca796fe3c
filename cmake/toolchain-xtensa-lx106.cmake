# Cross toolchain: Xtensa LX106 (ESP8266 core) with Debian's bare-metal GCC.
#
#   cmake -S runtime -B build/lx106 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-xtensa-lx106.cmake
#
# Packages (Debian 12): gcc-xtensa-lx106 (compiler, binutils) and
# picolibc-xtensa-lx106-elf (the C headers: <string.h>, <stdint.h>; the
# compiler package ships none). Only static libraries are built: there is no
# linker script or startup code for a full executable here.

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR xtensa)

set(TIGRIS_CROSS_PREFIX xtensa-lx106-elf-)
set(CMAKE_C_COMPILER ${TIGRIS_CROSS_PREFIX}gcc)
set(CMAKE_AR ${TIGRIS_CROSS_PREFIX}ar CACHE FILEPATH "archiver")
set(CMAKE_RANLIB ${TIGRIS_CROSS_PREFIX}ranlib CACHE FILEPATH "ranlib")
set(CMAKE_SIZE ${TIGRIS_CROSS_PREFIX}size CACHE FILEPATH "size")

# Compiler checks link nothing: no board startup code or linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# -mlongcalls: calls through L32R+CALLX, since flash code sits beyond CALL0's
# reach from IRAM. Sections per function so a firmware link can drop unused ones.
set(CMAKE_C_FLAGS_INIT "-mlongcalls -ffunction-sections -fdata-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
