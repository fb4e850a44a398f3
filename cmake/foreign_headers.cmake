# hermetic_foreign_headers(DIR): a directory of symlinks to the headers of the system libraries
# hermetic uses (libseccomp, nlohmann-json, toml++), each found in the system (Debian's
# /usr/include). For a compiler that brings its own C library (zig: musl for the executable,
# an old glibc for release wheels): adding /usr/include itself would put the system's glibc
# headers before the compiler's own.
function(hermetic_foreign_headers dir)
  find_path(TOMLPLUSPLUS_HEADERS toml++/toml.h REQUIRED)
  find_path(NLOHMANN_HEADERS nlohmann/json.hpp REQUIRED)
  find_path(SECCOMP_HEADERS seccomp.h REQUIRED)
  file(MAKE_DIRECTORY "${dir}")
  foreach(entry "${TOMLPLUSPLUS_HEADERS}/toml++" "${NLOHMANN_HEADERS}/nlohmann"
                "${SECCOMP_HEADERS}/seccomp.h" "${SECCOMP_HEADERS}/seccomp-syscalls.h")
    get_filename_component(name "${entry}" NAME)
    file(CREATE_LINK "${entry}" "${dir}/${name}" SYMBOLIC)
  endforeach()
endfunction()
