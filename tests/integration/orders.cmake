# Takedown orders between real nodes on loopback mutual TLS (issue 6).
if(TARGET node_core AND TARGET hashfed-node)
  add_executable(hf_order_inject ${CMAKE_CURRENT_LIST_DIR}/hf_order_inject.c)
  target_link_libraries(hf_order_inject PRIVATE node_core)
  set_target_properties(hf_order_inject PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  foreach(t orders_flow orders_deadline orders_expired)
    add_test(NAME integration.${t}
      COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/${t}.sh ${CMAKE_BINARY_DIR}/bin
        ${CMAKE_BINARY_DIR}/tests ${CMAKE_BINARY_DIR}/integration-${t})
    set_tests_properties(integration.${t} PROPERTIES LABELS integration TIMEOUT 120)
  endforeach()
endif()

# Baseline helper of tests/bench/bench_orders.sh (raw nng req/rep over the same TLS).
if(TARGET node_core)
  add_executable(hf_orders_rtt ${CMAKE_SOURCE_DIR}/tests/bench/orders_rtt.c)
  target_link_libraries(hf_orders_rtt PRIVATE NNG::nng Threads::Threads)
  set_target_properties(hf_orders_rtt PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
endif()
