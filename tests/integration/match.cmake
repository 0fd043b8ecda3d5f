# Matching service (issue 7): tests/integration/match_*.sh.
if(TARGET node_core AND TARGET hashfed)
  add_test(NAME integration.match_service
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/match_service.sh ${CMAKE_BINARY_DIR}/bin
      ${CMAKE_BINARY_DIR}/tests ${CMAKE_BINARY_DIR}/integration-match)
  set_tests_properties(integration.match_service PROPERTIES LABELS integration TIMEOUT 180)
endif()
