# cmake -P script of the cxx_package test (CMakeLists.txt here). Fails at the first step that
# does not hold.
cmake_minimum_required(VERSION 3.26)

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "cxx_package: ${what} failed (${failed})")
  endif()
endfunction()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")

# 1. The package alone: the static library, the public headers, the CMake files; nothing of
#    the wheel (executable, extension, preload library) and no internal header.
run_step("install" ${CMAKE_COMMAND} --install "${BUILD_DIR}" --component cxx_library
         --prefix "${prefix}")
file(GLOB_RECURSE installed RELATIVE "${prefix}" "${prefix}/*")
list(SORT installed)
file(GLOB headers RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/include/hermetic/*.hpp")
set(expected lib/cmake/hermetic/hermeticConfig.cmake lib/cmake/hermetic/hermeticConfigVersion.cmake
             lib/libhermetic.a)
foreach(header IN LISTS headers)
  list(APPEND expected "${header}")
endforeach()
file(GLOB_RECURSE targets_files RELATIVE "${prefix}" "${prefix}/lib/cmake/hermetic/hermeticTargets*.cmake")
list(APPEND expected ${targets_files})
list(SORT expected)
if(NOT installed STREQUAL expected OR NOT targets_files)
  message(FATAL_ERROR "cxx_package: the prefix holds\n  ${installed}\nexpected\n  ${expected}")
endif()

# 2. Each public header compiles on its own against the prefix (consumer/ makes one translation
#    unit per header, and one program that uses the API).
set(configure_args -G "${GENERATOR}" "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}"
                   "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
                   -DCMAKE_BUILD_TYPE=RelWithDebInfo)
run_step("configure consumer/" ${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/package/consumer"
         -B "${WORK_DIR}/consumer" ${configure_args})
run_step("build consumer/" ${CMAKE_COMMAND} --build "${WORK_DIR}/consumer")

# 3. The example, built the way its README says, and run: it judges itself by side effects and
#    by its own process state, and exits non-zero when a check fails.
run_step("configure examples/" ${CMAKE_COMMAND} -S "${SOURCE_DIR}/examples" -B "${WORK_DIR}/example"
         ${configure_args})
run_step("build examples/" ${CMAKE_COMMAND} --build "${WORK_DIR}/example")
file(MAKE_DIRECTORY "${WORK_DIR}/run")
run_step("examples/run_sandboxed" "${WORK_DIR}/example/run_sandboxed" "${WORK_DIR}/run")
