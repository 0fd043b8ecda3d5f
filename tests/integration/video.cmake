# Video lists and matching on real nodes (issue 14): tests/integration/video_match.sh.
# Skips (77) without ffmpeg or ../shared/data/vpdq (HF_SHARED_DATA).
if(TARGET node_core AND TARGET hashfed-node AND TARGET hashfed)
  add_test(NAME integration.video_match
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/video_match.sh ${CMAKE_BINARY_DIR}/bin
      ${CMAKE_BINARY_DIR}/tests ${CMAKE_BINARY_DIR}/integration-video)
  set_tests_properties(integration.video_match PROPERTIES LABELS integration TIMEOUT 240
    SKIP_RETURN_CODE 77 ENVIRONMENT "HF_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endif()
