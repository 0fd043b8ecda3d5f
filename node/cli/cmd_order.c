/*
 * `hashfed order ...`: takedown orders through the local node's HTTP API
 * (docs/api.md "Takedown orders"). The node does the signing, sealing and
 * bookkeeping; this is a thin client: build JSON, one HTTP/1.1 request with
 * the bearer token, print the JSON answer.
 */
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

#define HFN_CLI_MAX_REPLY (64u * 1024u * 1024u)

const char hfn_cli_order_usage[] =
    "usage: hashfed order <action> [options]\n"
    "\n"
    "Talks to the local node (--api HOST:PORT or $HASHFED_API, default 127.0.0.1:8470) with\n"
    "the bearer token of --token-file FILE or $HASHFED_TOKEN_FILE.\n"
    "\n"
    "authority:\n"
    "  send --to PLATFORM --item URL [--item URL ...] [--content-id ID ...]\n"
    "       --category NAME --legal-basis TEXT --case REF [--deadline 24h]\n"
    "       [--priority low|normal|high|urgent] [--note TEXT]\n"
    "  list                              orders we issued, with state and time left\n"
    "  withdraw ORDER [--item N ...] [--text REASON]\n"
    "  verify ORDER [--item N ...] [--still-reachable] [--new-deadline 24h]\n"
    "  answer ORDER --ref MSGID --text ANSWER [--item N ...]\n"
    "  maintain|close|remind ORDER [--item N ...] [--text TEXT]\n"
    "  refer ORDER --to AUTHORITY [--note TEXT]\n"
    "platform:\n"
    "  inbox                             open orders sent to us, by deadline\n"
    "  ack ORDER --item N [--item N ...] --outcome removed|blocked_geo|blocked_access|\n"
    "       not_found|already_removed|cannot_comply|needs_clarification [--reason N] [--text T]\n"
    "  clarify ORDER --item N --text QUESTION\n"
    "  dispute|appeal ORDER [--item N ...] --text GROUNDS\n"
    "either:\n"
    "  show ORDER | history ORDER       one order; its full signed history\n"
    "  recurrence ORDER --item N [--new-deadline 24h]\n"
    "  referrals | escalations\n";

typedef struct hfn_cli_opts {
	const char *api, *token_file;
	const char *to, *category, *legal, *case_ref, *deadline, *priority, *note, *outcome;
	const char *text, *ref, *reason, *new_deadline;
	bool still_reachable;
	json_t *items;   /* send: item objects; others: indexes */
	json_t *indexes; /* --item N */
} hfn_cli_opts;

static int hfn_cli_err(const char *msg)
{
	fprintf(stderr, "hashfed order: %s\n", msg);
	return HFN_CLI_EXIT_USAGE;
}

/* One HTTP/1.1 request; prints the body to stdout. Returns the exit status. */
static int hfn_cli_http(const hfn_cli_opts *o, const char *method, const char *path, json_t *body)
{
	char host[256], token[512] = "", *req = NULL, *payload = NULL, *resp = NULL;
	const char *port;
	int fd = -1, rcode = HFN_CLI_EXIT_FAIL;
	size_t len = 0;
	FILE *f = o->token_file ? fopen(o->token_file, "r") : NULL;
	if (!f || !fgets(token, sizeof(token), f)) {
		if (f)
			fclose(f);
		return hfn_cli_err(
		    "cannot read the API token (--token-file or $HASHFED_TOKEN_FILE)");
	}
	fclose(f);
	token[strcspn(token, "\r\n")] = 0;
	snprintf(host, sizeof(host), "%s", o->api);
	char *colon = strrchr(host, ':');
	if (!colon)
		return hfn_cli_err("--api must be HOST:PORT");
	*colon = 0;
	port = colon + 1;
	payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
	size_t plen = payload ? strlen(payload) : 0;
	size_t cap_req = plen + strlen(path) + strlen(o->api) + strlen(token) + 256;
	int rl = -1;
	req = malloc(cap_req);
	if (req)
		rl = snprintf(req, cap_req,
		              "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
		              "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		              "Connection: close\r\n\r\n%s",
		              method, path, o->api, token, plen, payload ? payload : "");
	if (rl < 0 || (size_t)rl >= cap_req)
		goto out;
	const char *why;
	if ((fd = hfn_cli_connect(host, port, &why)) < 0) {
		fprintf(stderr, "hashfed order: cannot connect to %s: %s\n", o->api, why);
		goto out;
	}
	if (hfn_cli_write_all(fd, req, (size_t)rl) != 0 ||
	    hfn_cli_read_all(fd, HFN_CLI_MAX_REPLY, &resp, &len) != 0)
		goto out;
	int status = 0;
	char *sep = strstr(resp, "\r\n\r\n");
	if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1 || !sep) {
		fprintf(stderr, "hashfed order: bad reply from the node\n");
		goto out;
	}
	fputs(sep + 4, status == 200 ? stdout : stderr);
	rcode = status == 200 ? HFN_CLI_EXIT_OK : HFN_CLI_EXIT_FAIL;
out:
	if (fd >= 0)
		close(fd);
	free(req);
	free(payload);
	free(resp);
	return rcode;
}

static const char *hfn_cli_need(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int hfn_cli_parse(int argc, char **argv, int start, hfn_cli_opts *o)
{
	for (int i = start; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		if (!strcmp(a, "--still-reachable")) {
			o->still_reachable = true;
			continue;
		}
		if (strncmp(a, "--", 2) != 0 || !(v = hfn_cli_need(argc, argv, &i)))
			return -1;
		if (!strcmp(a, "--api"))
			o->api = v;
		else if (!strcmp(a, "--token-file"))
			o->token_file = v;
		else if (!strcmp(a, "--to"))
			o->to = v;
		else if (!strcmp(a, "--category"))
			o->category = v;
		else if (!strcmp(a, "--legal-basis"))
			o->legal = v;
		else if (!strcmp(a, "--case"))
			o->case_ref = v;
		else if (!strcmp(a, "--deadline"))
			o->deadline = v;
		else if (!strcmp(a, "--priority"))
			o->priority = v;
		else if (!strcmp(a, "--note"))
			o->note = v;
		else if (!strcmp(a, "--outcome"))
			o->outcome = v;
		else if (!strcmp(a, "--text"))
			o->text = v;
		else if (!strcmp(a, "--ref"))
			o->ref = v;
		else if (!strcmp(a, "--reason"))
			o->reason = v;
		else if (!strcmp(a, "--new-deadline"))
			o->new_deadline = v;
		else if (!strcmp(a, "--content-id"))
			json_array_append_new(o->items, json_pack("{s:s}", "content_id", v));
		else if (!strcmp(a, "--item")) {
			char *end;
			long n = strtol(v, &end, 10);
			if (!*end && n >= 0)
				json_array_append_new(o->indexes, json_integer(n));
			json_array_append_new(o->items, json_pack("{s:s}", "url", v));
		} else
			return -1;
	}
	return 0;
}

static void hfn_cli_set(json_t *j, const char *k, const char *v)
{
	if (v)
		json_object_set_new(j, k, json_string(v));
}

/* Paths with a 32-hex order id argument. */
static int hfn_cli_order_path(char *buf, size_t size, const char *id, const char *sub)
{
	if (!id || strlen(id) != 32 || strspn(id, "0123456789abcdefABCDEF") != 32)
		return -1;
	snprintf(buf, size, "/v1/orders/%s%s", id, sub);
	return 0;
}

int hfn_cli_cmd_order(int argc, char **argv)
{
	hfn_cli_opts o;
	char path[128];
	int rc = HFN_CLI_EXIT_USAGE;
	json_t *body = NULL;
	int a0 = 1;
	memset(&o, 0, sizeof(o));
	o.api = getenv("HASHFED_API") ? getenv("HASHFED_API") : "127.0.0.1:8470";
	o.token_file = getenv("HASHFED_TOKEN_FILE");
	/* --api / --token-file may also come before the action, as for `hashfed list`. */
	while (a0 + 1 < argc && (!strcmp(argv[a0], "--api") || !strcmp(argv[a0], "--token-file"))) {
		if (!strcmp(argv[a0], "--api"))
			o.api = argv[a0 + 1];
		else
			o.token_file = argv[a0 + 1];
		a0 += 2;
	}
	if (a0 >= argc)
		return hfn_cli_err("missing action (see hashfed order --help)");
	const char *act = argv[a0];
	bool has_id = a0 + 1 < argc && strncmp(argv[a0 + 1], "--", 2) != 0;
	const char *id = has_id ? argv[a0 + 1] : NULL;
	o.items = json_array();
	o.indexes = json_array();
	if (hfn_cli_parse(argc, argv, has_id ? a0 + 2 : a0 + 1, &o) != 0) {
		rc = hfn_cli_err("bad option (see hashfed order --help)");
		goto out;
	}
	if (!strcmp(act, "send")) {
		if (!o.to || !o.category || !o.legal || !o.case_ref || !json_array_size(o.items)) {
			rc = hfn_cli_err("send needs --to, --item/--content-id, --category, "
			                 "--legal-basis, --case");
			goto out;
		}
		body = json_pack("{s:s,s:s,s:s,s:s,s:O}", "platform", o.to, "category", o.category,
		                 "legal_basis", o.legal, "case", o.case_ref, "items", o.items);
		hfn_cli_set(body, "deadline", o.deadline);
		hfn_cli_set(body, "priority", o.priority);
		hfn_cli_set(body, "note", o.note);
		rc = hfn_cli_http(&o, "POST", "/v1/orders", body);
	} else if (!strcmp(act, "list") || !strcmp(act, "inbox") || !strcmp(act, "referrals") ||
	           !strcmp(act, "escalations")) {
		snprintf(path, sizeof(path), "%s",
		         !strcmp(act, "list")        ? "/v1/orders"
		         : !strcmp(act, "inbox")     ? "/v1/orders/inbox"
		         : !strcmp(act, "referrals") ? "/v1/referrals"
		                                     : "/v1/escalations");
		rc = hfn_cli_http(&o, "GET", path, NULL);
	} else if (!strcmp(act, "show") || !strcmp(act, "history")) {
		if (hfn_cli_order_path(path, sizeof(path), id,
		                       !strcmp(act, "show") ? "" : "/history")) {
			rc = hfn_cli_err("expected an order id (32 hex)");
			goto out;
		}
		rc = hfn_cli_http(&o, "GET", path, NULL);
	} else if (!strcmp(act, "ack")) {
		if (hfn_cli_order_path(path, sizeof(path), id, "/outcomes") || !o.outcome ||
		    !json_array_size(o.indexes)) {
			rc = hfn_cli_err("ack ORDER --item N --outcome OUTCOME");
			goto out;
		}
		json_t *res = json_array();
		size_t i;
		json_t *v;
		json_array_foreach(o.indexes, i, v)
		{
			json_t *r = json_pack("{s:O,s:s}", "item", v, "outcome", o.outcome);
			hfn_cli_set(r, "text", o.text);
			if (o.reason)
				json_object_set_new(r, "reason", json_integer(atoi(o.reason)));
			json_array_append_new(res, r);
		}
		body = json_pack("{s:o}", "results", res);
		rc = hfn_cli_http(&o, "POST", path, body);
	} else if (!strcmp(act, "refer")) {
		if (hfn_cli_order_path(path, sizeof(path), id, "/refer") || !o.to) {
			rc = hfn_cli_err("refer ORDER --to AUTHORITY");
			goto out;
		}
		body = json_pack("{s:s}", "to", o.to);
		hfn_cli_set(body, "note", o.note);
		rc = hfn_cli_http(&o, "POST", path, body);
	} else {
		static const char *const events[] = {
		    "withdraw", "verify",  "answer", "maintain",   "close", "remind",
		    "clarify",  "dispute", "appeal", "recurrence", "review"};
		size_t k = 0;
		while (k < sizeof(events) / sizeof(events[0]) && strcmp(events[k], act))
			k++;
		char sub[32];
		snprintf(sub, sizeof(sub), "/%s", act);
		if (k == sizeof(events) / sizeof(events[0]) ||
		    hfn_cli_order_path(path, sizeof(path), id, sub)) {
			rc = hfn_cli_err(
			    "unknown action or missing order id (see hashfed order --help)");
			goto out;
		}
		body = json_pack("{s:O}", "items", o.indexes);
		hfn_cli_set(body, "text", o.text);
		hfn_cli_set(body, "ref", o.ref);
		hfn_cli_set(body, "new_deadline", o.new_deadline);
		if (o.still_reachable)
			hfn_cli_set(body, "result", "still_reachable");
		rc = hfn_cli_http(&o, "POST", path, body);
	}
out:
	json_decref(body);
	json_decref(o.items);
	json_decref(o.indexes);
	return rc;
}
