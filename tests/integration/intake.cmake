# Victim intake (issue 15): the /intake page in headless Chromium against real nodes.
# Skips (77) without Chromium, emscripten (HF_INTAKE_WASM), ffmpeg or ../shared/data/pdq.
if(TARGET node_core AND TARGET hashfed-node AND TARGET hashfed)
  add_test(NAME integration.intake_page
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/intake_page.sh ${CMAKE_BINARY_DIR}/bin
      ${CMAKE_BINARY_DIR}/tests ${CMAKE_BINARY_DIR}/integration-intake)
  set_tests_properties(integration.intake_page PROPERTIES LABELS integration TIMEOUT 300
    SKIP_RETURN_CODE 77
    ENVIRONMENT "HF_INTAKE_WASM=${HF_INTAKE_WASM};HF_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endif()
