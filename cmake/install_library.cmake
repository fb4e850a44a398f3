# The C++ library as an installable CMake package: `cmake --install <build> --component
# cxx_library --prefix <dir>` installs libhermetic.a, the public headers (include/hermetic) and
# lib/cmake/hermetic, so that a C++ project can `find_package(hermetic)` and link
# hermetic::hermetic (examples/, docs/cpp-library.md).
#
# Its own component: `pip install .` installs only the python_package component (pyproject.toml,
# install.components), so the wheel carries none of this.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(hermetic_core PROPERTIES EXPORT_NAME hermetic OUTPUT_NAME hermetic)
install(TARGETS hermetic_core EXPORT hermeticTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT cxx_library)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/hermetic
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT cxx_library)

set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/hermetic)
install(EXPORT hermeticTargets NAMESPACE hermetic:: DESTINATION ${config_dir}
  COMPONENT cxx_library)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/hermeticConfig.cmake.in
  ${PROJECT_BINARY_DIR}/hermeticConfig.cmake INSTALL_DESTINATION ${config_dir})
# 0.x: a new minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/hermeticConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hermeticConfig.cmake
              ${PROJECT_BINARY_DIR}/hermeticConfigVersion.cmake
  DESTINATION ${config_dir} COMPONENT cxx_library)
