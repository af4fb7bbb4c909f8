# Regenerates the cell library into OUT_DIR and compares it with CELLS_DIR.
file(MAKE_DIRECTORY ${OUT_DIR})
execute_process(COMMAND ${GENERATOR} ${OUT_DIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "flowrun_cellgen failed (${rc})")
endif()
foreach(f flowrun_cells.lib flowrun_cells.v)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${CELLS_DIR}/${f} ${OUT_DIR}/${f}
    RESULT_VARIABLE diff)
  if(NOT diff EQUAL 0)
    message(FATAL_ERROR "cells/${f} differs from the generator's output (${OUT_DIR}/${f}); "
      "edit cells/generate_cells.cpp and regenerate with flowrun_cellgen cells/")
  endif()
endforeach()
message(STATUS "cells/flowrun_cells.lib and .v match the generator")
