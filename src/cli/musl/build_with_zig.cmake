# Builds the hermetic executable against musl with zig (`zig c++ -target <arch>-linux-musl`:
# clang, libc++ and musl, all from PyPI's ziglang), as a project of its own (CMakeLists.txt
# here), and installs it. Included from src/cli/CMakeLists.txt when HERMETIC_MUSL_CLI is on.
include(ExternalProject)

# The Python the package is built for (the executable looks for the package in its lib dir).
find_package(Python 3.9 REQUIRED COMPONENTS Interpreter)

# zig: on PATH, or the one PyPI's ziglang package carries (a build requirement in pyproject.toml).
find_program(HERMETIC_ZIG zig)
if(NOT HERMETIC_ZIG)
  execute_process(
    COMMAND "${Python_EXECUTABLE}" -c
            "import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), 'zig'))"
    OUTPUT_VARIABLE found_zig OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE no_ziglang
    ERROR_QUIET)
  if(no_ziglang OR NOT EXISTS "${found_zig}")
    message(FATAL_ERROR "hermetic: building the hermetic executable needs zig: "
                        "pip install ziglang (or configure with -DHERMETIC_MUSL_CLI=OFF)")
  endif()
  set(HERMETIC_ZIG "${found_zig}" CACHE FILEPATH "zig, which builds the musl executable" FORCE)
endif()

# Compiler wrappers for the sub-build: CMake wants one program per language.
set(triple "${CMAKE_SYSTEM_PROCESSOR}-linux-musl")
set(wrappers "${CMAKE_CURRENT_BINARY_DIR}/zig-wrappers")
foreach(pair "cc;cc" "c++;cxx")
  list(GET pair 0 mode)
  list(GET pair 1 file)
  file(WRITE "${wrappers}/zig-${file}"
       "#!/bin/sh\nexec \"${HERMETIC_ZIG}\" ${mode} -target ${triple} \"$@\"\n")
  file(CHMOD "${wrappers}/zig-${file}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
       GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()

# Only the headers of the libraries the CLI uses, each from Debian, in a directory of their own:
# adding /usr/include itself would put glibc's headers before musl's.
include(${PROJECT_SOURCE_DIR}/cmake/foreign_headers.cmake)
set(foreign "${CMAKE_CURRENT_BINARY_DIR}/musl-foreign-include")
hermetic_foreign_headers("${foreign}")

set(musl_binary_dir "${CMAKE_CURRENT_BINARY_DIR}/musl")
ExternalProject_Add(hermetic_musl
  SOURCE_DIR "${CMAKE_CURRENT_SOURCE_DIR}/musl"
  BINARY_DIR "${musl_binary_dir}"
  CMAKE_ARGS
    -DCMAKE_C_COMPILER=${wrappers}/zig-cc
    -DCMAKE_CXX_COMPILER=${wrappers}/zig-cxx
    -DCMAKE_BUILD_TYPE=Release
    -DHERMETIC_ROOT=${PROJECT_SOURCE_DIR}
    -DHERMETIC_FOREIGN_INCLUDE=${foreign}
    -DSECCOMP_STATIC_LIBRARY=${SECCOMP_STATIC_LIBRARY}
    -DHERMETIC_VERSION=${PROJECT_VERSION}
    -DHERMETIC_PYTHON_VERSION=${Python_VERSION_MAJOR}.${Python_VERSION_MINOR}
  INSTALL_COMMAND ""
  BUILD_ALWAYS ON  # its own build is incremental; this makes it look at the sources each time
  BUILD_BYPRODUCTS "${musl_binary_dir}/hermetic")
if(SKBUILD)
  install(PROGRAMS "${musl_binary_dir}/hermetic" DESTINATION ${SKBUILD_SCRIPTS_DIR})
endif()
