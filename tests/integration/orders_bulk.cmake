# Bulk orders and pipelined delivery between real nodes (issue 6 performance work).
if(TARGET node_core AND TARGET hashfed-node)
  add_test(NAME integration.orders_bulk
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/orders_bulk.sh ${CMAKE_BINARY_DIR}/bin
      ${CMAKE_BINARY_DIR}/tests ${CMAKE_BINARY_DIR}/integration-orders_bulk)
  set_tests_properties(integration.orders_bulk PROPERTIES LABELS integration TIMEOUT 180)
endif()
