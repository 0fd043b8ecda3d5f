#ifndef HF_NODE_INTAKE_ASSETS_H
#define HF_NODE_INTAKE_ASSETS_H

/*
 * The victim intake page (node/intake/web/: HTML, JS, CSS and the PDQ +
 * MD5/SHA-256 hasher compiled to WebAssembly), embedded into the node binary
 * at build time by cmake/embed.cmake, so the node serves it with no files to
 * install (docs/intake.md).
 */
#include <stdbool.h>
#include <stddef.h>

typedef struct hf_intake_asset {
	const char *path; /* URL path, e.g. "/intake/intake.js" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
} hf_intake_asset;

extern const hf_intake_asset hf_intake_assets[];
extern const size_t hf_intake_n_assets;

/* The asset for a URL path ("/intake" and "/intake/" are the page); NULL if none. */
const hf_intake_asset *hf_intake_asset_find(const char *path);
/* False when the build had no emscripten: the page then explains it cannot hash. */
bool hf_intake_has_wasm(void);

#endif
