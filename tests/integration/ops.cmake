# Operating a node (issue 16): backup/restore under load, user errors, the OpenAPI document.
if(TARGET node_core AND TARGET hashfed-node)
  add_test(NAME integration.ops_backup
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/ops_backup.sh ${CMAKE_BINARY_DIR}/bin
      ${CMAKE_BINARY_DIR}/tests ${CMAKE_BINARY_DIR}/integration-ops-backup)
  set_tests_properties(integration.ops_backup PROPERTIES LABELS integration TIMEOUT 120)
endif()
if(TARGET node_core AND TARGET hashfed-node AND TARGET hashfed)
  add_test(NAME integration.ops_errors
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/ops_errors.sh ${CMAKE_BINARY_DIR}/bin
      ${CMAKE_BINARY_DIR}/tests ${CMAKE_BINARY_DIR}/integration-ops-errors)
  set_tests_properties(integration.ops_errors PROPERTIES LABELS integration TIMEOUT 60)
endif()
if(TARGET node_core AND TARGET hashfed-node)
  add_test(NAME integration.openapi
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/openapi.sh ${CMAKE_BINARY_DIR}/bin
      ${CMAKE_BINARY_DIR}/tests ${CMAKE_BINARY_DIR}/integration-openapi)
  set_tests_properties(integration.openapi PROPERTIES LABELS integration TIMEOUT 120
    SKIP_RETURN_CODE 77 ENVIRONMENT "HF_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endif()
if(TARGET node_core AND TARGET hashfed-node AND TARGET hashfed)
  add_test(NAME integration.ops_progress
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/ops_progress.sh ${CMAKE_BINARY_DIR}/bin
      ${CMAKE_BINARY_DIR}/tests ${CMAKE_BINARY_DIR}/integration-ops-progress)
  set_tests_properties(integration.ops_progress PROPERTIES LABELS integration TIMEOUT 90)
endif()
add_test(NAME docs.log_events
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/log_events.py ${CMAKE_SOURCE_DIR})
set_tests_properties(docs.log_events PROPERTIES LABELS unit TIMEOUT 30)
