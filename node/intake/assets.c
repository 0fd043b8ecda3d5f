/* Lookup in the embedded intake page (assets.h; the table is generated). */
#include <string.h>

#include "intake/assets.h"

const hf_intake_asset *hf_intake_asset_find(const char *path)
{
	if (strcmp(path, "/intake/") == 0 || strcmp(path, "/intake/index.html") == 0)
		path = "/intake";
	for (size_t i = 0; i < hf_intake_n_assets; i++)
		if (strcmp(hf_intake_assets[i].path, path) == 0)
			return &hf_intake_assets[i];
	return NULL;
}

bool hf_intake_has_wasm(void)
{
	return hf_intake_asset_find("/intake/hfwasm.wasm") != NULL;
}
