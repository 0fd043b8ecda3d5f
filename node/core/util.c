/* Small helpers shared by the node's modules (util.h). */
#include <stdlib.h>

#include "core/util.h"

hf_err hfn_grow(void **p, size_t *cap, size_t n, size_t elem)
{
	if (n <= *cap)
		return HF_OK;
	size_t c = *cap ? *cap : 16;
	while (c < n)
		c *= 2;
	void *q = realloc(*p, c * elem);
	if (!q)
		return HF_ENOMEM;
	*p = q;
	*cap = c;
	return HF_OK;
}
