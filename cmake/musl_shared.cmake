# Shared objects against musl (musllinux wheels: scripts/build_wheels.sh --arch ARCH-musl, zig
# -target ARCH-linux-musl with HERMETIC_OWN_LIBC). Included from CMakeLists.txt when the C
# library is not glibc.
#
# zig links them against a libc.so of its own, which leaves `NEEDED libc.so`. musl's loader
# takes any libc.* name for itself, but musl systems (Alpine) name it libc.musl-ARCH.so.1,
# and that is the one name the musllinux policy allows (auditwheel detects the wheel's libc
# by it and grafts anything else): patchelf renames the entry after the link (the release
# tools' patchelf, on PATH in scripts/build_wheels.sh).
find_program(HERMETIC_PATCHELF patchelf REQUIRED)
function(hermetic_musl_libc_name target)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND "${HERMETIC_PATCHELF}" --replace-needed libc.so
            "libc.musl-${CMAKE_SYSTEM_PROCESSOR}.so.1" "$<TARGET_FILE:${target}>"
    VERBATIM)
endfunction()
