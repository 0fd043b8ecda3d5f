# The audit log, witnesses, report and dashboard between real nodes (issue 13).
if(TARGET node_core AND TARGET hashfed-node)
  # hf_audit_forge: a dishonest log or sender (forked checkpoints, late submissions).
  add_executable(hf_audit_forge ${CMAKE_CURRENT_LIST_DIR}/hf_audit_forge.c)
  target_link_libraries(hf_audit_forge PRIVATE node_core)
  set_target_properties(hf_audit_forge PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  foreach(t audit_log audit_split audit_revoked audit_transparency)
    if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/${t}.sh)
      add_test(NAME integration.${t}
        COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/${t}.sh ${CMAKE_BINARY_DIR}/bin
          ${CMAKE_BINARY_DIR}/tests ${CMAKE_BINARY_DIR}/integration-${t})
      set_tests_properties(integration.${t} PROPERTIES LABELS integration TIMEOUT 180)
    endif()
  endforeach()
endif()
