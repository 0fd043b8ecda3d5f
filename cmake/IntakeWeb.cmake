# The victim intake page (docs/intake.md): node/intake/web/hf_wasm.c + hashfed's
# PDQ and portable MD5/SHA-256 compiled to WebAssembly with emscripten (emcc),
# then every file of the page embedded into node_core (cmake/embed.cmake).
# Without emcc the page is still served, but its hasher is a stub that says so.
find_program(HF_EMCC emcc)
set(_web ${CMAKE_SOURCE_DIR}/node/intake/web)
set(_out ${CMAKE_BINARY_DIR}/intake)
file(MAKE_DIRECTORY ${_out})
set(HF_INTAKE_WASM OFF CACHE INTERNAL "intake page hasher built (emcc found)")
if(HF_EMCC)
  set(HF_INTAKE_WASM ON CACHE INTERNAL "intake page hasher built (emcc found)")
  set(_src ${_web}/hf_wasm.c ${CMAKE_SOURCE_DIR}/protocol/src/media/pdq.c
    ${CMAKE_SOURCE_DIR}/protocol/src/media/pdq_dct_table.c
    ${CMAKE_SOURCE_DIR}/protocol/src/digest_portable.c)
  # Debian's emcc runs its JS optimizer with node and needs node-acorn from
  # /usr/share/nodejs (not on the search path of every nodejs build).
  add_custom_command(OUTPUT ${_out}/hfwasm.js ${_out}/hfwasm.wasm
    COMMAND ${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs
      ${HF_EMCC} -O2 -std=c11 -Wall -Wextra -Werror -I${CMAKE_SOURCE_DIR}/protocol/include -I${CMAKE_SOURCE_DIR}/protocol/private
      ${_src} -sALLOW_MEMORY_GROWTH=1 -sMODULARIZE=1 -sEXPORT_NAME=HfWasm
      -sENVIRONMENT=web -sFILESYSTEM=0 -sEXPORTED_FUNCTIONS=_malloc,_free
      -sEXPORTED_RUNTIME_METHODS=UTF8ToString -o ${_out}/hfwasm.js
    DEPENDS ${_src} ${CMAKE_SOURCE_DIR}/protocol/src/media/pdq_internal.h
      ${CMAKE_SOURCE_DIR}/protocol/src/digest_portable.h
    COMMENT "emcc: intake page hasher (PDQ, MD5, SHA-256) to WebAssembly" VERBATIM)
  set(_wasm_files "/intake/hfwasm.js|js|${_out}/hfwasm.js"
    "/intake/hfwasm.wasm|wasm|${_out}/hfwasm.wasm")
  set(_wasm_deps ${_out}/hfwasm.js ${_out}/hfwasm.wasm)
else()
  message(STATUS "emcc not found: the /intake page is built without its WebAssembly "
    "hasher (install Debian's emscripten, scripts/install-deps); the Chromium intake test "
    "will be skipped")
  file(WRITE ${_out}/hfwasm-stub.js
    "/* hashfed was built without emscripten: no on-device hasher (HF_INTAKE_WASM=0). */\n")
  set(_wasm_files "/intake/hfwasm.js|js|${_out}/hfwasm-stub.js")
  set(_wasm_deps ${_out}/hfwasm-stub.js)
endif()
set(_files "/intake|html|${_web}/index.html"
  "/intake/intake.js|js|${_web}/intake.js"
  "/intake/intake.css|css|${_web}/intake.css" ${_wasm_files})
add_custom_command(OUTPUT ${_out}/intake_assets.c
  COMMAND ${CMAKE_COMMAND} -DOUT=${_out}/intake_assets.c "-DFILES=${_files}"
    -P ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
  DEPENDS ${CMAKE_SOURCE_DIR}/cmake/embed.cmake ${_web}/index.html ${_web}/intake.js
    ${_web}/intake.css ${_wasm_deps}
  COMMENT "embedding the intake page" VERBATIM)
set(HF_INTAKE_ASSETS_C ${_out}/intake_assets.c)
