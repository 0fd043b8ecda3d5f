# `cmake --install build [--prefix DIR]`: binaries, libhashfed (static + shared) with its
# public headers and hashfed.pc, man pages, bash completion, the systemd unit and the
# operator docs. tests/packaging/install.sh installs into a temporary prefix and links a
# program against it through pkg-config.
include(GNUInstallDirs)
foreach(_t hashfed hashfed-node hashfed-keys)
  if(TARGET ${_t})
    install(TARGETS ${_t} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()
install(FILES ${CMAKE_SOURCE_DIR}/keys/hashfed-keys.1 ${CMAKE_SOURCE_DIR}/docs/man/hashfed.1
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/docs/man/hashfed-node.8
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/bash-completion/hashfed
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
foreach(_c hashfed-node hashfed-keys)
  install(CODE "file(CREATE_LINK hashfed
    \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/bash-completion/completions/${_c}\"
    SYMBOLIC)")
endforeach()
# The unit in the repository is for the default prefix /usr/local; the installed one names
# the installed binary and docs (the prefix is known only at install time: --prefix).
install(CODE "
  file(READ \"${CMAKE_SOURCE_DIR}/packaging/hashfed-node.service\" _u)
  string(REPLACE \"/usr/local/bin/\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/\" _u \"\${_u}\")
  string(REPLACE \"/usr/local/share/doc/hashfed/\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}/\" _u \"\${_u}\")
  file(WRITE \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/systemd/system/hashfed-node.service\" \"\${_u}\")
  message(STATUS \"Installing: \${CMAKE_INSTALL_PREFIX}/lib/systemd/system/hashfed-node.service\")
")
install(FILES ${CMAKE_SOURCE_DIR}/docs/operating.md ${CMAKE_SOURCE_DIR}/docs/api.md
  ${CMAKE_SOURCE_DIR}/docs/openapi.yaml DESTINATION ${CMAKE_INSTALL_DOCDIR})
