# The audit log, witnesses, report and dashboard between real nodes (issue 13).
if(TARGET node_core AND TARGET hashfed-node)
  foreach(t audit_log audit_split)
    if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/${t}.sh)
      add_test(NAME integration.${t}
        COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/${t}.sh ${CMAKE_BINARY_DIR}/bin
          ${CMAKE_BINARY_DIR}/tests ${CMAKE_BINARY_DIR}/integration-${t})
      set_tests_properties(integration.${t} PROPERTIES LABELS integration TIMEOUT 180)
    endif()
  endforeach()
endif()
