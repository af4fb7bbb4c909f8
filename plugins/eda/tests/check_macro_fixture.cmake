# Regenerates the SRAM macro fixture into OUT_DIR and compares it with FIXTURE_DIR.
file(MAKE_DIRECTORY ${OUT_DIR})
execute_process(COMMAND ${GENERATOR} ${OUT_DIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "eda_macro_fixture_gen failed (${rc})")
endif()
foreach(f rom_a.v rom_b.v rom_macros.lib)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${FIXTURE_DIR}/${f} ${OUT_DIR}/${f}
    RESULT_VARIABLE diff)
  if(NOT diff EQUAL 0)
    message(FATAL_ERROR "${FIXTURE_DIR}/${f} differs from flowrun_sram's output (${OUT_DIR}/${f}); "
      "regenerate with eda_macro_fixture_gen ${FIXTURE_DIR}")
  endif()
endforeach()
message(STATUS "the macro fixture matches flowrun_sram")
