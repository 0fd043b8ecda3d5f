/* Lookup in the embedded intake page (assets.h; the table is generated). */
#include <string.h>

#include "intake/assets.h"

const hfn_intake_asset *hfn_intake_asset_find(const char *path)
{
	if (strcmp(path, "/intake/") == 0 || strcmp(path, "/intake/index.html") == 0)
		path = "/intake";
	for (size_t i = 0; i < hfn_intake_n_assets; i++)
		if (strcmp(hfn_intake_assets[i].path, path) == 0)
			return &hfn_intake_assets[i];
	return NULL;
}

bool hfn_intake_has_wasm(void)
{
	return hfn_intake_asset_find("/intake/hfwasm.wasm") != NULL;
}
