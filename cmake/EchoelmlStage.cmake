# echoelml_add_stage(<name> DEPS <targets...>)
# Builds src/<name>/*.cpp into the static library echoelml_<name>; public headers live in
# include/echoelml/<name>/. A stage without sources yet becomes an INTERFACE library so that
# dependants link either way.
function(echoelml_add_stage name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp)
  set(target echoelml_${name})
  if(sources)
    add_library(${target} STATIC ${sources})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/include
                                         PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${target} PUBLIC ${ARG_DEPS})
    echoelml_set_warnings(${target})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(${target} INTERFACE ${ARG_DEPS})
  endif()
endfunction()

# echoelml_add_test_suite(<folder> LABELS <labels...> DEPS <targets...>)
# Every tests/<folder>/*_test.cpp goes into one GoogleTest binary test_<folder>; ctest gets one
# entry per TEST with the given labels.
function(echoelml_add_test_suite folder)
  cmake_parse_arguments(ARG "" "" "LABELS;DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/${folder}/*_test.cpp)
  if(NOT sources)
    return()
  endif()
  set(target test_${folder})
  add_executable(${target} ${sources})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target} PRIVATE ${ARG_DEPS} echoelml_test_support GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${target} PRIVATE
    ECHOELML_SHARED_DIR="${ECHOELML_SHARED_DIR}"
    ECHOELML_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    ECHOELML_BINARY_DIR="${PROJECT_BINARY_DIR}")
  echoelml_set_warnings(${target})
  gtest_discover_tests(${target} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
