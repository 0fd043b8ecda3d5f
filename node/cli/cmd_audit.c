/*
 * hashfed audit verify: the offline verifier of an audit log published in the
 * layout of docs/audit.md (tlog-tiles + a checkpoints history), from a
 * directory or over plain HTTP. It trusts only the keys given on the command
 * line: every checkpoint's signature and cosignatures, every leaf, every root,
 * every hash tile and the consistency of successive checkpoints are re-derived.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/treport.h"
#include "cli.h"
#include "hashfed/audit_log.h"
#include "hashfed/checkpoint.h"
#include "hashfed/manifest.h"
#include "hashfed/merkle.h"
#include "hashfed/tlog_tiles.h"
#include "note_internal.h"
#include "hf_check.h"

#define HL HF_MERKLE_HASH_LEN

const char hfn_cli_audit_usage[] =
    "usage: hashfed audit verify --log DIR|URL --log-key VKEY [--origin NAME]\n"
    "                            [--witness VKEY]... [--quorum N] [--policy FILE]\n"
    "\n"
    "Verifies an audit log published in the tlog-tiles layout of docs/audit.md, from a\n"
    "directory or an http:// URL: the log signature and witness cosignatures of every\n"
    "checkpoint (`checkpoint` and the `checkpoints` history), every leaf, the root at\n"
    "every published size re-derived from the leaves, every hash tile, and a\n"
    "consistency proof between each pair of successive checkpoints.\n"
    "\n"
    "  --log DIR|URL    the log's base directory or URL (http://host[:port]/prefix)\n"
    "  --log-key VKEY   the log's note verifier key (name+hex id+base64, type 0x01)\n"
    "  --origin NAME    expected checkpoint origin (default: the log key's name)\n"
    "  --witness VKEY   a witness's cosignature/v1 key (type 0x04); repeatable\n"
    "  --quorum N       cosignatures required per checkpoint (default: all witnesses)\n"
    "  --policy FILE    lines `origin NAME`, `log VKEY`, `witness VKEY`, `quorum N`\n"
    "\n"
    "Each failure prints `BREAK <name>: <detail>` (names in docs/audit.md: fetch,\n"
    "checkpoint-format, signature, origin, cosignature-quorum, rollback, leaf-format,\n"
    "leaf-time, root-mismatch, tile-mismatch, inconsistent). Exit status: 0 if the log\n"
    "verifies, 1 if anything breaks, 2 for usage errors.\n"
    "\n"
    "usage: hashfed audit verify-report FILE --manifest FILE --log DIR|URL\n"
    "                            --log-key VKEY [--witness VKEY]... [--quorum N] [--policy FILE]\n"
    "\n"
    "Verifies a platform's transparency report (`hashfed report transparency`,\n"
    "docs/audit.md): every checkpoint it names opened under the policy and published by\n"
    "the log, every outcome's and order's inclusion proof against that checkpoint's size\n"
    "and root, each leaf an OUTCOME signed by the platform (keys from the manifest) for an\n"
    "ORDER sealed to it, inside the period, counted once, the counts recounted from the\n"
    "leaves, and no outcome of the platform in the period that the log holds left out.\n"
    "Breaks: report-format, manifest, checkpoint, checkpoint-unpublished, missing-proof,\n"
    "bad-proof, leaf-format, not-platform-outcome, order-mismatch, out-of-period,\n"
    "duplicate, count-mismatch, omitted (and fetch for the log).\n";

enum { MAX_PRINTED = 50, MAX_CHECKPOINTS = 1000000 };
#define HISTORY_MAX ((size_t)64 << 20)
#define BUNDLE_MAX  ((size_t)HF_TILE_WIDTH * (2 + HF_AUDIT_LEAF_MAX_SIZE))

typedef struct src {
	bool http;
	const char *dir;
	hfn_cli_url url;
} src;

typedef struct tile_buf {
	uint8_t h[HF_TILE_WIDTH][HL];
} tile_buf;

typedef struct verifier {
	src s;
	hf_log_policy *pol;
	unsigned long breaks;
	hf_checkpoint *cps; /* history, then the current one; verified */
	size_t n_cps;
	uint64_t size; /* current checkpoint's size */
	unsigned tile_levels;
	tile_buf *tiles[8];
	hf_audit_leaf *leaf;
	hf_tiles_store *ts;
} verifier;

static void report(verifier *v, const char *name, const char *fmt, ...)
{
	v->breaks++;
	if (v->breaks > MAX_PRINTED) {
		if (v->breaks == MAX_PRINTED + 1)
			printf("BREAK ...: more breaks not shown\n");
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	printf("BREAK %s: ", name);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

/* ---- reading the layout --------------------------------------------------------------- */

static hf_err src_get(const src *s, const char *path, size_t max, uint8_t **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	if (s->http) {
		int status = 0;
		if (hfn_cli_http_get(&s->url, path, max, buf, len, &status) != 0)
			return HF_ENET;
		if (status == 200)
			return HF_OK;
		free(*buf);
		*buf = NULL;
		return status == 404 ? HF_ENOTFOUND : HF_ENET;
	}
	char full[4096];
	int n = snprintf(full, sizeof(full), "%s/%s", s->dir, path);
	if (n < 0 || (size_t)n >= sizeof(full))
		return HF_EINVAL;
	int fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? HF_ENOTFOUND : HF_EIO;
	struct stat st;
	hf_err rc = HF_EIO;
	uint8_t *b = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	rc = HF_ETOOBIG;
	if ((uint64_t)st.st_size > max)
		goto out;
	rc = HF_ENOMEM;
	b = malloc((size_t)st.st_size + 1);
	if (b == NULL)
		goto out;
	size_t got = 0;
	rc = HF_EIO;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	*buf = b;
	*len = got;
	b = NULL;
	rc = HF_OK;
out:
	free(b);
	close(fd);
	return rc;
}

static const char *open_break(hf_err rc)
{
	switch (rc) {
	case HF_EQUORUM:
		return "cosignature-quorum";
	case HF_EORIGIN:
		return "origin";
	case HF_ESIG:
	case HF_EUNSIGNED:
		return "signature";
	default:
		return "checkpoint-format";
	}
}

static void root_b64(const uint8_t root[HL], char out[64])
{
	if (hfi_b64_encode(root, HL, out, 64) == 0)
		out[0] = 0;
}

/* Opens one checkpoint note; on success appends it to v->cps. */
static bool add_checkpoint(verifier *v, const uint8_t *note, size_t len, const char *where)
{
	hf_checkpoint c;
	hf_cosig_status st;
	hf_err rc = hf_checkpoint_open(note, len, v->pol, &c, &st);
	if (rc != HF_OK) {
		if (rc == HF_EQUORUM)
			report(v, "cosignature-quorum", "%s: %zu of %zu required cosignatures",
			       where, st.n_valid, v->pol->quorum);
		else
			report(v, open_break(rc), "%s: %s", where, hf_err_name(rc));
		return false;
	}
	if (v->n_cps >= MAX_CHECKPOINTS) {
		report(v, "checkpoint-format", "%s: more than %d checkpoints", where,
		       MAX_CHECKPOINTS);
		return false;
	}
	hf_checkpoint *p = realloc(v->cps, (v->n_cps + 1) * sizeof(*p));
	if (p == NULL) {
		report(v, "fetch", "out of memory");
		return false;
	}
	v->cps = p;
	v->cps[v->n_cps++] = c;
	return true;
}

/* `checkpoints`: records "<decimal length>\n<note>". */
static void load_history(verifier *v)
{
	uint8_t *b;
	size_t len;
	hf_err rc = src_get(&v->s, "checkpoints", HISTORY_MAX, &b, &len);
	if (rc != HF_OK) {
		report(v, "fetch", "checkpoints: %s", hf_err_name(rc));
		return;
	}
	size_t off = 0, rec = 0;
	for (;; rec++) {
		const uint8_t *note;
		size_t nl;
		char where[64];
		snprintf(where, sizeof(where), "checkpoints record %zu", rec);
		size_t at = off;
		rc = hf_checkpoint_history_next(b, len, &off, &note, &nl);
		if (rc == HF_ENOTFOUND)
			break;
		if (rc != HF_OK) {
			report(v, "checkpoint-format", "%s: bad record framing at byte %zu", where,
			       at);
			break;
		}
		add_checkpoint(v, note, nl, where);
	}
	free(b);
}

/* ---- the leaf pass ------------------------------------------------------------------------- */

static void check_tile(verifier *v, unsigned level, uint64_t index, unsigned width)
{
	hf_tile_ref t = {.level = (uint8_t)level, .index = index, .width = (uint16_t)width};
	char path[HF_TILE_MAX_PATH];
	if (hf_tile_path(&t, path, sizeof(path)) != HF_OK)
		return;
	uint8_t *b;
	size_t len;
	hf_err rc = src_get(&v->s, path, HF_TILE_WIDTH * HL, &b, &len);
	if (rc != HF_OK) {
		report(v, "fetch", "%s: %s", path, hf_err_name(rc));
		return;
	}
	if (len != (size_t)width * HL || memcmp(b, v->tiles[level]->h, len) != 0)
		report(v, "tile-mismatch", "%s differs from the tile re-derived from the leaves",
		       path);
	free(b);
}

static hf_err on_node(void *ctx, hf_merkle_node_id id, const uint8_t hash[HL])
{
	verifier *v = ctx;
	if (id.level % HF_TILE_HEIGHT != 0)
		return HF_OK;
	unsigned L = id.level / HF_TILE_HEIGHT;
	if (L >= v->tile_levels || L >= 8)
		return HF_OK;
	unsigned pos = (unsigned)(id.index % HF_TILE_WIDTH);
	memcpy(v->tiles[L]->h[pos], hash, HL);
	if (pos == HF_TILE_WIDTH - 1)
		check_tile(v, L, id.index / HF_TILE_WIDTH, HF_TILE_WIDTH);
	return HF_OK;
}

static int cmp_size(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void check_roots_at(verifier *v, const hf_merkle_compact *c)
{
	uint8_t root[HL];
	if (hf_merkle_compact_root(c, root) != HF_OK)
		return;
	for (size_t k = 0; k < v->n_cps; k++) {
		if (v->cps[k].size == c->size && memcmp(v->cps[k].root, root, HL) != 0) {
			char a[64], b[64];
			root_b64(root, a);
			root_b64(v->cps[k].root, b);
			report(v, "root-mismatch", "size %llu: leaves give %s, checkpoint says %s",
			       (unsigned long long)c->size, a, b);
		}
	}
}

/* Every leaf below size from the served entry bundles, in order, to fn (false: stop).
 * false if a bundle is missing or malformed (reported) or fn stopped. */
typedef bool (*leaf_fn)(verifier *v, uint64_t idx, const uint8_t *leaf, size_t len, void *ctx);

static bool each_leaf(verifier *v, uint64_t size, leaf_fn fn, void *ctx)
{
	uint64_t n_bundles = (size + HF_TILE_WIDTH - 1) / HF_TILE_WIDTH;
	const uint8_t **ents = malloc(HF_TILE_WIDTH * sizeof(*ents));
	size_t *lens = malloc(HF_TILE_WIDTH * sizeof(*lens));
	bool ok = ents != NULL && lens != NULL;
	for (uint64_t bi = 0; ok && bi < n_bundles; bi++) {
		hf_tile_ref t;
		char path[HF_TILE_MAX_PATH];
		uint8_t *b;
		size_t len;
		if (hf_tile_for(size, 0, bi * HF_TILE_WIDTH, true, &t) != HF_OK ||
		    hf_tile_path(&t, path, sizeof(path)) != HF_OK)
			break;
		hf_err rc = src_get(&v->s, path, BUNDLE_MAX, &b, &len);
		if (rc != HF_OK) {
			report(v, "fetch", "%s: %s (cannot read the leaves past leaf %llu)", path,
			       hf_err_name(rc), (unsigned long long)bi * HF_TILE_WIDTH);
			ok = false;
			break;
		}
		if (hf_bundle_split(b, len, t.width, ents, lens) != HF_OK) {
			report(v, "leaf-format", "%s does not hold %u entries", path,
			       (unsigned)t.width);
			ok = false;
		}
		for (unsigned k = 0; ok && k < t.width; k++)
			ok = fn(v, bi * HF_TILE_WIDTH + k, ents[k], lens[k], ctx);
		free(b);
	}
	free(ents);
	free(lens);
	return ok;
}

typedef struct leaf_state {
	uint64_t *sizes; /* checkpoint sizes, sorted */
	size_t next;
	hf_merkle_compact c;
	uint64_t prev_logged;
} leaf_state;

/* The roots of the checkpoints of the size the compact tree has reached. */
static void roots_due(verifier *v, leaf_state *p)
{
	while (p->next < v->n_cps && p->sizes[p->next] == p->c.size) {
		check_roots_at(v, &p->c);
		while (p->next < v->n_cps && p->sizes[p->next] == p->c.size)
			p->next++;
	}
}

static bool check_leaf(verifier *v, uint64_t idx, const uint8_t *leaf, size_t len, void *ctx)
{
	leaf_state *p = ctx;
	roots_due(v, p);
	hf_err rc = hf_audit_leaf_decode(leaf, len, v->leaf);
	if (rc != HF_OK) {
		report(v, "leaf-format", "leaf %llu: %s", (unsigned long long)idx, hf_err_name(rc));
	} else {
		if (v->leaf->logged_ms < p->prev_logged)
			report(v, "leaf-time", "leaf %llu logged at %llu ms, before leaf %llu",
			       (unsigned long long)idx, (unsigned long long)v->leaf->logged_ms,
			       (unsigned long long)(idx - 1));
		p->prev_logged = v->leaf->logged_ms;
		if (hf_audit_leaf_check_time(v->leaf, UINT64_MAX) != HF_OK)
			report(v, "leaf-time", "leaf %llu: created %llu ms, after its log time",
			       (unsigned long long)idx,
			       (unsigned long long)v->leaf->hdr.created_ms);
	}
	uint8_t lh[HL];
	if (hf_merkle_leaf_hash(leaf, len, lh) != HF_OK ||
	    hf_merkle_compact_append(&p->c, lh, on_node, v) != HF_OK) {
		report(v, "leaf-format", "leaf %llu: cannot hash", (unsigned long long)idx);
		return false;
	}
	return true;
}

static void leaf_pass(verifier *v)
{
	leaf_state p = {.sizes = malloc((v->n_cps + 1) * sizeof(uint64_t))};
	if (p.sizes == NULL)
		return;
	for (size_t k = 0; k < v->n_cps; k++)
		p.sizes[k] = v->cps[k].size;
	qsort(p.sizes, v->n_cps, sizeof(*p.sizes), cmp_size);
	hf_merkle_compact_init(&p.c);
	if (each_leaf(v, v->size, check_leaf, &p)) {
		roots_due(v, &p);
		/* the partial tile of each level at the current size */
		for (unsigned L = 0; L < v->tile_levels && L < 8; L++) {
			uint64_t full;
			unsigned w;
			hf_tile_layout(v->size, L, &full, &w);
			if (w > 0)
				check_tile(v, L, full, w);
		}
	}
	free(p.sizes);
}

/* ---- consistency of successive checkpoints, from the served tiles ------------------------- */

static hf_err tile_fetch(void *ctx, const hf_tile_ref *t, uint8_t *out, size_t *len)
{
	verifier *v = ctx;
	char path[HF_TILE_MAX_PATH];
	HF_TRY(hf_tile_path(t, path, sizeof(path)));
	uint8_t *b;
	size_t n;
	HF_TRY(src_get(&v->s, path, HF_TILE_WIDTH * HL, &b, &n));
	memcpy(out, b, n);
	*len = n;
	free(b);
	return HF_OK;
}

static void consistency_pass(verifier *v)
{
	hf_merkle_store store;
	hf_tiles_store_init(v->ts, v->size, tile_fetch, v, &store);
	for (size_t k = 0; k + 1 < v->n_cps; k++) {
		const hf_checkpoint *a = &v->cps[k], *b = &v->cps[k + 1];
		if (a->size > b->size) {
			report(v, "rollback",
			       "checkpoint %zu has size %llu, the one before it %llu", k + 1,
			       (unsigned long long)b->size, (unsigned long long)a->size);
			continue;
		}
		uint8_t proof[HF_MERKLE_MAX_PROOF][HL];
		size_t np = 0;
		hf_err rc = HF_OK;
		if (a->size > 0 && a->size < b->size)
			rc = hf_merkle_consistency_proof(&store, a->size, b->size, proof,
			                                 HF_MERKLE_MAX_PROOF, &np);
		if (rc != HF_OK) {
			report(v, "fetch", "consistency proof %llu -> %llu: %s",
			       (unsigned long long)a->size, (unsigned long long)b->size,
			       hf_err_name(rc));
			continue;
		}
		rc = hf_checkpoint_verify_consistency(a, b, &proof[0][0], np * HL);
		if (rc != HF_OK)
			report(v, "inconsistent", "checkpoints of size %llu and %llu: %s",
			       (unsigned long long)a->size, (unsigned long long)b->size,
			       hf_err_name(rc));
	}
}

static int usage_err(const char *msg, const char *arg)
{
	fprintf(stderr, "hashfed audit: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	return HFN_CLI_EXIT_USAGE;
}

static int set_key(hf_log_policy *p, bool log, const char *vk, bool *have_log)
{
	hf_note_vkey k;
	if (hf_note_vkey_parse(vk, strlen(vk), &k) != HF_OK)
		return usage_err("malformed verifier key", vk);
	if (log) {
		if (k.alg != HF_NOTE_ALG_ED25519)
			return usage_err("the log key must be an Ed25519 note key (type 0x01)", vk);
		p->log_key = k;
		*have_log = true;
		return 0;
	}
	if (k.alg != HF_NOTE_ALG_COSIG)
		return usage_err("a witness key must be a cosignature/v1 key (type 0x04)", vk);
	if (p->n_witnesses >= HF_MAX_WITNESSES)
		return usage_err("too many witnesses", NULL);
	p->witnesses[p->n_witnesses++] = k;
	return 0;
}

static int parse_quorum(const char *s, long *q)
{
	char *end;
	errno = 0;
	*q = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != 0 || *q < 0 || *q > HF_MAX_WITNESSES)
		return usage_err("bad quorum", s);
	return 0;
}

static int read_policy(const char *path, hf_log_policy *p, char *origin, size_t ocap,
                       bool *have_log, long *quorum)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return usage_err("cannot read the policy file", path);
	char line[1024];
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = 0;
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == 0 || *s == '#')
			continue;
		char *val = strchr(s, ' ');
		if (val == NULL) {
			rc = usage_err("bad policy line", line);
			break;
		}
		*val++ = 0;
		while (*val == ' ')
			val++;
		if (strcmp(s, "origin") == 0)
			snprintf(origin, ocap, "%s", val);
		else if (strcmp(s, "log") == 0)
			rc = set_key(p, true, val, have_log);
		else if (strcmp(s, "witness") == 0)
			rc = set_key(p, false, val, have_log);
		else if (strcmp(s, "quorum") == 0)
			rc = parse_quorum(val, quorum);
		else
			rc = usage_err("unknown policy directive", s);
	}
	fclose(f);
	return rc;
}

/* The options both commands share: the log and the trust anchors (never from the log). */
typedef struct opts {
	const char *log, *manifest, *file;
	char origin[HF_CHECKPOINT_MAX_ORIGIN + 1];
	bool have_log;
	long quorum;
} opts;

/* Fills o and v->pol and v->s from argv (report: verify-report's FILE and --manifest too).
 * 0, or the usage exit status (message printed). */
static int parse_opts(int argc, char **argv, bool report_cmd, opts *o, verifier *v)
{
	memset(o, 0, sizeof(*o));
	o->quorum = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		int e = 0;
		if (report_cmd && a[0] != '-' && o->file == NULL) {
			o->file = a;
			continue;
		}
		if (val == NULL)
			return usage_err("missing value for", a);
		if (strcmp(a, "--log") == 0)
			o->log = val;
		else if (report_cmd && strcmp(a, "--manifest") == 0)
			o->manifest = val;
		else if (strcmp(a, "--log-key") == 0)
			e = set_key(v->pol, true, val, &o->have_log);
		else if (strcmp(a, "--witness") == 0)
			e = set_key(v->pol, false, val, &o->have_log);
		else if (strcmp(a, "--quorum") == 0)
			e = parse_quorum(val, &o->quorum);
		else if (strcmp(a, "--origin") == 0)
			snprintf(o->origin, sizeof(o->origin), "%s", val);
		else if (strcmp(a, "--policy") == 0)
			e = read_policy(val, v->pol, o->origin, sizeof(o->origin), &o->have_log,
			                &o->quorum);
		else
			return usage_err("unknown option", a);
		if (e != 0)
			return e;
		i++;
	}
	if (o->log == NULL || !o->have_log ||
	    (report_cmd && (o->file == NULL || o->manifest == NULL))) {
		fputs(hfn_cli_audit_usage, stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	if (o->origin[0] == 0)
		snprintf(o->origin, sizeof(o->origin), "%s", v->pol->log_key.name);
	v->pol->origin = o->origin;
	v->pol->quorum = o->quorum < 0 ? v->pol->n_witnesses : (size_t)o->quorum;
	if (v->pol->quorum > v->pol->n_witnesses)
		return usage_err("quorum larger than the number of witnesses", NULL);
	if (strncmp(o->log, "http://", 7) == 0) {
		v->s.http = true;
		if (hfn_cli_url_parse(o->log, &v->s.url) != 0)
			return usage_err("bad URL", o->log);
	} else if (strstr(o->log, "://") != NULL) {
		return usage_err("only http:// URLs or directories", o->log);
	} else {
		v->s.dir = o->log;
	}
	return 0;
}

/* `checkpoint` and the `checkpoints` history, each opened under the policy, into v->cps
 * (the current one last, listed once); v->size its size. false: no trusted size. */
static bool load_checkpoints(verifier *v)
{
	uint8_t *cp;
	size_t cl;
	hf_err e = src_get(&v->s, "checkpoint", HF_NOTE_MAX_SIZE, &cp, &cl);
	if (e != HF_OK) {
		report(v, "fetch", "checkpoint: %s", hf_err_name(e));
		return false;
	}
	load_history(v);
	size_t n_hist = v->n_cps;
	bool ok = add_checkpoint(v, cp, cl, "checkpoint");
	free(cp);
	if (!ok)
		return false;
	const hf_checkpoint *cur = &v->cps[v->n_cps - 1];
	v->size = cur->size;
	if (n_hist > 0) {
		const hf_checkpoint *last = &v->cps[n_hist - 1];
		if (last->size == cur->size && memcmp(last->root, cur->root, HL) == 0)
			v->n_cps--; /* the same checkpoint: listed once */
	}
	return true;
}

static void verifier_free(verifier *v)
{
	for (unsigned L = 0; L < 8; L++)
		free(v->tiles[L]);
	free(v->leaf);
	free(v->ts);
	free(v->cps);
	free(v->pol);
}

static int verify_cmd(int argc, char **argv)
{
	opts o;
	int rc = HFN_CLI_EXIT_USAGE;
	verifier v;
	memset(&v, 0, sizeof(v));
	v.pol = calloc(1, sizeof(*v.pol));
	if (v.pol == NULL)
		return HFN_CLI_EXIT_FAIL;
	rc = parse_opts(argc, argv, false, &o, &v);
	if (rc != 0)
		goto out;
	rc = HFN_CLI_EXIT_FAIL;
	v.leaf = malloc(sizeof(*v.leaf));
	v.ts = malloc(sizeof(*v.ts));
	for (unsigned L = 0; L < 8; L++)
		v.tiles[L] = calloc(1, sizeof(tile_buf));
	for (unsigned L = 0; L < 8; L++)
		if (v.tiles[L] == NULL)
			goto out;
	if (v.leaf == NULL || v.ts == NULL)
		goto out;

	/* 1-2: checkpoints */
	if (!load_checkpoints(&v))
		goto done; /* no trusted size: nothing more can be checked */
	for (size_t k = 0; k < v.n_cps; k++)
		if (v.cps[k].size > v.size)
			report(&v, "rollback",
			       "checkpoints record of size %llu is newer than checkpoint "
			       "(size %llu)",
			       (unsigned long long)v.cps[k].size, (unsigned long long)v.size);
	v.tile_levels = hf_tile_levels(v.size);

	/* 3-4: leaves, roots, tiles */
	leaf_pass(&v);
	/* 5: successive checkpoints */
	consistency_pass(&v);
done:
	if (v.breaks == 0 && v.n_cps > 0) {
		const hf_checkpoint *c = &v.cps[v.n_cps - 1];
		char r[64];
		root_b64(c->root, r);
		printf("OK %s size %llu root %s, %zu checkpoints, quorum %zu of %zu witnesses\n",
		       c->origin, (unsigned long long)c->size, r, v.n_cps, v.pol->quorum,
		       v.pol->n_witnesses);
		rc = HFN_CLI_EXIT_OK;
	} else {
		printf("FAIL: %lu break(s)\n", v.breaks);
		rc = HFN_CLI_EXIT_FAIL;
	}
out:
	verifier_free(&v);
	return rc;
}

/* ---- hashfed audit verify-report ----------------------------------------------------------- */

typedef struct rv {
	verifier *v;
	hf_manifest *m;
	hfn_tr_result res;
	uint64_t in_log; /* the platform's OUTCOME leaves of the period the log holds */
} rv;

static bool member_key(void *ctx, const uint8_t member[16], const hf_key_id *kid, bool enc)
{
	rv *r = ctx;
	const hf_member *mb;
	hf_err rc = enc ? hf_manifest_find_enc_key(r->m, kid, &mb, NULL)
	                : hf_manifest_find_sign_key(r->m, kid, &mb, NULL);
	return rc == HF_OK && memcmp(hf_member_id(mb), member, 16) == 0;
}

/* The report's checkpoints must be ones the log itself published (not a fork shown to
 * the platform alone). */
static bool published(void *ctx, const hf_checkpoint *c)
{
	rv *r = ctx;
	for (size_t k = 0; k < r->v->n_cps; k++)
		if (r->v->cps[k].size == c->size && memcmp(r->v->cps[k].root, c->root, HL) == 0)
			return true;
	return false;
}

static bool count_outcome(verifier *v, uint64_t idx, const uint8_t *leaf, size_t len, void *ctx)
{
	rv *r = ctx;
	if (hf_audit_leaf_decode(leaf, len, v->leaf) != HF_OK) {
		report(v, "leaf-format", "leaf %llu does not decode", (unsigned long long)idx);
		return false;
	}
	const hf_audit_leaf *l = v->leaf;
	if (l->hdr.type == HF_MSG_OUTCOME && l->logged_ms >= r->res.from_ms &&
	    l->logged_ms < r->res.to_ms && member_key(r, r->res.platform, &l->hdr.sender, false))
		r->in_log++;
	return true;
}

/* Reads a whole regular file of at most max bytes. */
static hf_err read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	src s = {.dir = "."};
	if (path[0] == '/')
		s.dir = "";
	return src_get(&s, path[0] == '/' ? path + 1 : path, max, buf, len);
}

static int verify_report_cmd(int argc, char **argv)
{
	opts o;
	rv r;
	verifier v;
	uint8_t *doc = NULL, *mb = NULL;
	size_t dl, ml;
	int rc;
	memset(&v, 0, sizeof(v));
	memset(&r, 0, sizeof(r));
	v.pol = calloc(1, sizeof(*v.pol));
	v.leaf = malloc(sizeof(*v.leaf));
	if (v.pol == NULL || v.leaf == NULL) {
		verifier_free(&v);
		return HFN_CLI_EXIT_FAIL;
	}
	r.v = &v;
	rc = parse_opts(argc, argv, true, &o, &v);
	if (rc != 0)
		goto out;
	hf_err e = read_file(o.manifest, HF_MAX_MANIFEST_SIZE, &mb, &ml);
	if (e == HF_OK)
		e = hf_manifest_decode(mb, ml, &r.m);
	if (e == HF_OK)
		e = hf_manifest_verify(r.m);
	if (e != HF_OK) {
		report(&v, "manifest", "%s: %s", o.manifest, hf_err_name(e));
		goto done;
	}
	e = read_file(o.file, HFN_TR_MAX_DOC, &doc, &dl);
	if (e != HF_OK) {
		report(&v, "report-format", "%s: %s", o.file, hf_err_name(e));
		goto done;
	}
	if (!load_checkpoints(&v))
		goto done;
	hfn_tr_env env = {
	    .pol = v.pol, .member_key = member_key, .published = published, .ctx = &r};
	if (hfn_tr_verify(doc, dl, &env, &r.res) != HF_OK) {
		report(&v, r.res.brk, "%s", r.res.detail);
		goto done;
	}
	/* Complete, as of its newest checkpoint: every outcome of the platform in the period
	 * that the log holds below that size is in the report. */
	if (each_leaf(&v, r.res.max_size, count_outcome, &r) && r.in_log != r.res.outcomes)
		report(&v, "omitted",
		       "the log holds %llu outcomes of the platform in the period below size %llu, "
		       "the report proves %llu",
		       (unsigned long long)r.in_log, (unsigned long long)r.res.max_size,
		       (unsigned long long)r.res.outcomes);
done:
	if (v.breaks == 0) {
		char pm[33];
		for (int i = 0; i < 16; i++)
			snprintf(pm + 2 * i, 3, "%02x", r.res.platform[i]);
		printf("OK transparency report of %s: %llu outcomes, %llu items, %zu checkpoints, "
		       "complete as of size %llu (log size %llu)\n",
		       pm, (unsigned long long)r.res.outcomes, (unsigned long long)r.res.items,
		       r.res.n_checkpoints, (unsigned long long)r.res.max_size,
		       (unsigned long long)v.size);
		rc = HFN_CLI_EXIT_OK;
	} else {
		printf("FAIL: %lu break(s)\n", v.breaks);
		rc = HFN_CLI_EXIT_FAIL;
	}
out:
	free(doc);
	free(mb);
	hf_manifest_free(r.m);
	verifier_free(&v);
	return rc;
}

int hfn_cli_cmd_audit(int argc, char **argv)
{
	if (argc < 2) {
		fputs(hfn_cli_audit_usage, stderr);
		return HFN_CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "verify") == 0)
		return verify_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify-report") == 0)
		return verify_report_cmd(argc - 1, argv + 1);
	fprintf(stderr, "hashfed audit: unknown subcommand '%s'\n\n", argv[1]);
	fputs(hfn_cli_audit_usage, stderr);
	return HFN_CLI_EXIT_USAGE;
}
