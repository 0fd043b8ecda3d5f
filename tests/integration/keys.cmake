# hashfed-keys integration tests (issue 4): a federation from the shell, and
# mutual TLS over nng tls+tcp with certificates made by hashfed-keys.
if(TARGET hashfed-keys)
  add_test(NAME integration.keys_federation
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/keys_federation.sh $<TARGET_FILE:hashfed-keys>
      ${CMAKE_BINARY_DIR}/integration-keys-federation)
  set_tests_properties(integration.keys_federation PROPERTIES LABELS integration TIMEOUT 300)

  find_package(NNG)
  if(NNG_FOUND)
    add_executable(hf_tls_pair ${CMAKE_CURRENT_LIST_DIR}/hf_tls_pair.c)
    target_link_libraries(hf_tls_pair PRIVATE NNG::nng)
    set_target_properties(hf_tls_pair PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME integration.keys_tls
      COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/keys_tls.sh $<TARGET_FILE:hashfed-keys>
        $<TARGET_FILE:hf_tls_pair> ${CMAKE_BINARY_DIR}/integration-keys-tls)
    set_tests_properties(integration.keys_tls PROPERTIES LABELS integration TIMEOUT 300)
  endif()
endif()
