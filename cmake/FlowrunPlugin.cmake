# flowrun_add_plugin(<name> SOURCES <files>... [LIBRARIES <targets>...])
#
# Builds a flowrun plugin: a shared library with hidden visibility that
# links the SDK, placed where the flowrun program looks for plugins and
# installed beside it. Used in this tree and, through the installed CMake
# package, by third-party plugins.
function(flowrun_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE flowrun::sdk ${ARG_LIBRARIES})
  set_target_properties(${name} PROPERTIES
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    CXX_STANDARD 20
    CXX_STANDARD_REQUIRED ON)
  if(DEFINED FLOWRUN_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES
      LIBRARY_OUTPUT_DIRECTORY ${FLOWRUN_PLUGIN_OUTPUT_DIR})
  endif()
  if(DEFINED FLOWRUN_PLUGIN_INSTALL_DIR)
    install(TARGETS ${name} LIBRARY DESTINATION ${FLOWRUN_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
