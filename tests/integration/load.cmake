# The load benchmark (tests/bench/bench_load.sh) at a small scale as a correctness check:
# 1 authority + 3 platforms, 10k entries, 100 orders (a few seconds). It fails unless
# every platform holds the whole list with the issuer's head hash and every order is
# accepted once by its platform with exactly one receipt back. Full scale: make bench.
if(TARGET hashfed-node AND TARGET node_core)
  add_test(NAME integration.load_small COMMAND ${CMAKE_SOURCE_DIR}/tests/bench/bench_load.sh)
  set_tests_properties(integration.load_small PROPERTIES LABELS integration TIMEOUT 120
    ENVIRONMENT "BUILD=${CMAKE_BINARY_DIR};LOAD_DIR=${CMAKE_BINARY_DIR}/integration-load;PLATFORMS=3;COUNT=10000;CH=5000;ORDERS=100;BASE_ORDERS=50;LOAD_CHECK=1;LOAD_TIMEOUT=100")
endif()
