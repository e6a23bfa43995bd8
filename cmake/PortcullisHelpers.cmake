# iam_add_library(NAME SRCS ... DEPS ...): a static library under src/, headers
# addressed from src/ ("policy/ast.h"), warnings and sanitizers applied.
# iam_add_test(NAME SRCS ... DEPS ...): a GoogleTest binary discovered by CTest.

set(IAM_WARNINGS
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wold-style-cast -Wimplicit-fallthrough)

# GCC 12 reports false -Wrestrict positives inside libstdc++'s std::string at -O2
# (GCC bug 105329); they are not in our code.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND IAM_WARNINGS -Wno-restrict)
endif()

function(iam_apply_flags target)
  target_compile_options(${target} PRIVATE ${IAM_WARNINGS})
  if(IAM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(IAM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

function(iam_add_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  iam_apply_flags(${name})
endfunction()

function(iam_add_test name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
      IAM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  iam_apply_flags(${name})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
      PROPERTIES ENVIRONMENT "IAM_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
