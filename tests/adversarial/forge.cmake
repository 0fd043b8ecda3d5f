# hf_forge: the forging peer of tests/adversarial/*.sh (hand-made envelopes over mutual TLS).
add_executable(hf_forge ${CMAKE_CURRENT_LIST_DIR}/hf_forge.c)
target_link_libraries(hf_forge PRIVATE node_core)
set_target_properties(hf_forge PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
