# Cross toolchain: Arm Cortex-M4 (Thumb-2, soft-float ABI) with Debian's
# bare-metal GCC.
#
#   cmake -S runtime -B build/cm4 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-arm-none-eabi.cmake
#
# Packages (Debian 12): gcc-arm-none-eabi and libnewlib-arm-none-eabi (the C
# headers). Override the core with -DTIGRIS_ARM_CPU=cortex-m7 etc. Only static
# libraries are built: no linker script or startup code for an executable.

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(TIGRIS_CROSS_PREFIX arm-none-eabi-)
set(CMAKE_C_COMPILER ${TIGRIS_CROSS_PREFIX}gcc)
set(CMAKE_AR ${TIGRIS_CROSS_PREFIX}ar CACHE FILEPATH "archiver")
set(CMAKE_RANLIB ${TIGRIS_CROSS_PREFIX}ranlib CACHE FILEPATH "ranlib")
set(CMAKE_SIZE ${TIGRIS_CROSS_PREFIX}size CACHE FILEPATH "size")

set(TIGRIS_ARM_CPU cortex-m4 CACHE STRING "-mcpu for arm-none-eabi-gcc")

# Compiler checks link nothing: no board startup code or linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_C_FLAGS_INIT "-mcpu=${TIGRIS_ARM_CPU} -mthumb -ffunction-sections -fdata-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
