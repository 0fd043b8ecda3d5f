#ifndef HFN_INTAKE_ASSETS_H
#define HFN_INTAKE_ASSETS_H

/*
 * The victim intake page (node/intake/web/: HTML, JS, CSS and the PDQ +
 * MD5/SHA-256 hasher compiled to WebAssembly), embedded into the node binary
 * at build time by cmake/embed.cmake, so the node serves it with no files to
 * install (docs/intake.md).
 */
#include <stdbool.h>
#include <stddef.h>

typedef struct hfn_intake_asset {
	const char *path; /* URL path, e.g. "/intake/intake.js" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
} hfn_intake_asset;

extern const hfn_intake_asset hfn_intake_assets[];
extern const size_t hfn_intake_n_assets;

/* The asset for a URL path ("/intake" and "/intake/" are the page); NULL if none. */
const hfn_intake_asset *hfn_intake_asset_find(const char *path);
/* False when the build had no emscripten: the page then explains it cannot hash. */
bool hfn_intake_has_wasm(void);

#endif
