# Find nng: Debian 12's libnng-dev ships neither a pkg-config file nor a CMake config.
# Defines NNG_FOUND, NNG_INCLUDE_DIRS, NNG_LIBRARIES and the imported target NNG::nng.
find_path(NNG_INCLUDE_DIR NAMES nng/nng.h)
find_library(NNG_LIBRARY NAMES nng)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(NNG REQUIRED_VARS NNG_LIBRARY NNG_INCLUDE_DIR)
if(NNG_FOUND AND NOT TARGET NNG::nng)
  # Debian's libnng is built against mbedTLS for the tls+tcp transport.
  find_library(MBEDTLS_LIBRARY NAMES mbedtls)
  find_library(MBEDX509_LIBRARY NAMES mbedx509)
  find_library(MBEDCRYPTO_LIBRARY NAMES mbedcrypto)
  set(NNG_INCLUDE_DIRS ${NNG_INCLUDE_DIR})
  set(NNG_LIBRARIES ${NNG_LIBRARY})
  add_library(NNG::nng UNKNOWN IMPORTED)
  set_target_properties(NNG::nng PROPERTIES
    IMPORTED_LOCATION "${NNG_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${NNG_INCLUDE_DIR}")
endif()
mark_as_advanced(NNG_INCLUDE_DIR NNG_LIBRARY)
