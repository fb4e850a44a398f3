# Warnings are errors for our own code (not for the system headers we include).
# -Wrestrict stays a warning only: GCC 12 reports false positives inside std::string at -O3
# (GCC bug 105329).
set(HERMETIC_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Werror)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND HERMETIC_WARNINGS -Wno-error=restrict)
endif()
