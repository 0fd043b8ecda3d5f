/* The auditor's dashboard: plain server-rendered HTML with inline SVG, no script, no CDN.
 * Every number is the report's (report.h) at one checkpoint; each figure cell carries
 * data-figure="<scope>.<name>" so tests can compare it with the JSON report. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/routes.h"
#include "audit/audit.h"
#include "core/log.h"
#include "store/store_audit.h"
#include "hf_check.h"

typedef struct hfn_html {
	char *p;
	size_t len, cap;
	bool oom;
} hfn_html;

static void put(hfn_html *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (need < 0 || h->oom)
		return;
	if (h->len + (size_t)need + 1 > h->cap) {
		size_t nc = 2 * (h->len + (size_t)need + 1);
		char *q = realloc(h->p, nc);
		if (!q) {
			h->oom = true;
			return;
		}
		h->p = q;
		h->cap = nc;
	}
	va_start(ap, fmt);
	vsnprintf(h->p + h->len, h->cap - h->len, fmt, ap);
	va_end(ap);
	h->len += (size_t)need;
}

/* Text with <, >, &, " escaped. */
static void esc(hfn_html *h, const char *s)
{
	static const char *const ENTITY[256] = {
	    ['<'] = "&lt;", ['>'] = "&gt;", ['&'] = "&amp;", ['"'] = "&quot;"};
	for (; s && *s; s++) {
		const char *e = ENTITY[(unsigned char)*s];
		if (e)
			put(h, "%s", e);
		else
			put(h, "%c", *s);
	}
}

/* A figure as the JSON report has it: integers as they are, shares as 0.xxxx. */
static void fig(hfn_html *h, const char *scope, const char *name, const json_t *v)
{
	put(h, "<td class=\"num\" data-figure=\"%s.%s\">", scope, name);
	if (json_is_integer(v))
		put(h, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		put(h, "%.4f", json_real_value(v));
	else
		put(h, "&ndash;");
	put(h, "</td>");
}

static const json_t *path(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);
	return b ? json_object_get(v, b) : v;
}

static void hfn_hours(hfn_html *h, const char *scope, const char *name, const json_t *ms)
{
	put(h, "<td class=\"num\" data-figure=\"%s.%s\" data-ms=\"%lld\">", scope, name,
	    json_is_integer(ms) ? (long long)json_integer_value(ms) : -1LL);
	if (json_is_integer(ms))
		put(h, "%.1f h", (double)json_integer_value(ms) / 3600000.0);
	else
		put(h, "&ndash;");
	put(h, "</td>");
}

/* A bar chart of one series field (0..max), one bar per week. */
static void hfn_chart(hfn_html *h, const json_t *series, const char *field, double max,
                      const char *title, const char *unit, double scale)
{
	size_t n = json_array_size(series), i;
	const double W = 640, H = 160, pad = 30;
	double bw = n ? (W - 2 * pad) / (double)n : 0;
	json_t *row;
	put(h,
	    "<figure><figcaption>%s</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"%s\">",
	    title, W, H + 20, title);
	put(h, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#888\"/>", pad, H,
	    W - pad, H);
	json_array_foreach(series, i, row)
	{
		const json_t *v = json_object_get(row, field);
		double x = pad + bw * (double)i, val = json_is_number(v) ? json_number_value(v) : 0;
		double bh = max > 0 ? (val / max) * (H - 20) : 0;
		if (bh > H - 20)
			bh = H - 20;
		put(h,
		    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#2b6cb0\">"
		    "<title>%.2f %s</title></rect>",
		    x + 2, H - bh, bw > 4 ? bw - 4 : 1, bh, val * scale, unit);
		if (json_is_number(v))
			put(h, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\">%.2f</text>", x + 2,
			    H - bh - 2, val * scale);
	}
	put(h, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\">weeks (by order log time)</text>", pad,
	    H + 15);
	put(h, "</svg></figure>");
}

hf_err hfn_dashboard_html(hfn_node *n, json_t *rep, char **out)
{
	hfn_html h = {0};
	hfn_audit_status st;
	size_t i;
	json_t *row;
	*out = NULL;
	HF_TRY(hfn_audit_get_status(n, &st));
	const json_t *ck = json_object_get(rep, "checkpoint");
	put(&h, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
	        "<title>hashfed compliance dashboard</title><style>"
	        "body{font-family:sans-serif;margin:2em;color:#222}"
	        "table{border-collapse:collapse;margin:1em 0}"
	        "td,th{border:1px solid #ccc;padding:4px 8px}td.num{text-align:right}"
	        "th{background:#eef}figure{margin:1em 0}</style></head><body>");
	put(&h,
	    "<h1>Compliance dashboard</h1><p>Computed from the audit log only, at checkpoint "
	    "<span id=\"checkpoint-size\">%lld</span> (root <code id=\"checkpoint-root\">",
	    (long long)json_integer_value(json_object_get(ck, "size")));
	esc(&h, json_string_value(json_object_get(ck, "root")));
	put(&h, "</code>), period <span id=\"period\">");
	esc(&h, json_string_value(json_object_get(rep, "period")));
	put(&h, "</span>.</p>");
	/* per-platform table */
	put(&h, "<h2>Platforms</h2><table id=\"platforms\"><tr><th>platform</th><th>orders</th>"
	        "<th>items</th><th>receipt p50</th><th>action p50</th><th>action p90</th>"
	        "<th>action max</th><th>within deadline</th><th>overdue</th><th>escalated</th>"
	        "<th>open &gt;7d</th><th>open &gt;42d</th><th>cannot comply</th>"
	        "<th>disputed</th><th>recurrences</th><th>backdated</th><th>list batches</th>"
	        "<th>batch to log p90 (ms)</th><th>sync lag p50 (ms)</th><th>sync lag p90 (ms)</th>"
	        "<th>sync lag max (ms)</th><th>batches not acknowledged</th></tr>");
	json_array_foreach(json_object_get(rep, "platforms"), i, row)
	{
		char scope[80];
		snprintf(scope, sizeof(scope), "platform:%s",
		         json_string_value(json_object_get(row, "member")));
		put(&h, "<tr><td>");
		esc(&h, json_string_value(json_object_get(row, "name")));
		put(&h, "</td>");
		fig(&h, scope, "orders", path(row, "orders", NULL));
		fig(&h, scope, "items", path(row, "items", NULL));
		hfn_hours(&h, scope, "time_to_receipt_ms.p50",
		          path(row, "time_to_receipt_ms", "p50"));
		hfn_hours(&h, scope, "time_to_action_ms.p50",
		          path(row, "time_to_action_ms", "p50"));
		hfn_hours(&h, scope, "time_to_action_ms.p90",
		          path(row, "time_to_action_ms", "p90"));
		hfn_hours(&h, scope, "time_to_action_ms.max",
		          path(row, "time_to_action_ms", "max"));
		fig(&h, scope, "within_deadline_share", path(row, "within_deadline_share", NULL));
		fig(&h, scope, "overdue_items", path(row, "overdue_items", NULL));
		fig(&h, scope, "escalated_orders", path(row, "escalated_orders", NULL));
		fig(&h, scope, "open_over_7d", path(row, "open_over_7d", NULL));
		fig(&h, scope, "open_over_42d", path(row, "open_over_42d", NULL));
		fig(&h, scope, "cannot_comply_items", path(row, "cannot_comply_items", NULL));
		fig(&h, scope, "disputed_orders", path(row, "disputed_orders", NULL));
		fig(&h, scope, "recurrences", path(row, "recurrences", NULL));
		fig(&h, scope, "backdated_messages", path(row, "backdated_messages", NULL));
		fig(&h, scope, "list_batches", path(row, "list_batches", NULL));
		fig(&h, scope, "list_publish_lag_ms.p90", path(row, "list_publish_lag_ms", "p90"));
		fig(&h, scope, "list_sync_lag_ms.p50", path(row, "list_sync_lag_ms", "p50"));
		fig(&h, scope, "list_sync_lag_ms.p90", path(row, "list_sync_lag_ms", "p90"));
		fig(&h, scope, "list_sync_lag_ms.max", path(row, "list_sync_lag_ms", "max"));
		fig(&h, scope, "list_batches_unacknowledged",
		    path(row, "list_batches_unacknowledged", NULL));
		put(&h, "</tr>");
	}
	put(&h, "</table>");
	const json_t *fed = json_object_get(rep, "federation");
	put(&h, "<h2>Federation</h2><table id=\"federation\"><tr><th>items requested</th>"
	        "<th>removed</th><th>share not removed</th></tr><tr>");
	fig(&h, "federation", "items_requested", path(fed, "items_requested", NULL));
	fig(&h, "federation", "items_removed", path(fed, "items_removed", NULL));
	fig(&h, "federation", "share_not_removed", path(fed, "share_not_removed", NULL));
	put(&h, "</tr></table>");
	/* charts over time */
	const json_t *series = json_object_get(rep, "series");
	double maxt = 0;
	json_array_foreach(series, i, row)
	{
		const json_t *v = json_object_get(row, "time_to_action_p50_ms");
		if (json_is_integer(v) && (double)json_integer_value(v) > maxt)
			maxt = (double)json_integer_value(v);
	}
	put(&h, "<h2>Over time</h2>");
	hfn_chart(&h, series, "time_to_action_p50_ms", maxt, "Time to removal, median (hours)", "h",
	          1.0 / 3600000.0);
	hfn_chart(&h, series, "within_deadline_share", 1.0, "Share actioned within deadline", "",
	          1);
	/* overdue list */
	put(&h, "<h2>Overdue</h2><table id=\"overdue\"><tr><th>order</th><th>platform</th>"
	        "<th>open items</th><th>deadline (ms)</th><th>escalated</th></tr>");
	json_array_foreach(json_object_get(rep, "overdue"), i, row)
	{
		put(&h, "<tr><td><code>");
		esc(&h, json_string_value(json_object_get(row, "order")));
		put(&h, "</code></td><td>");
		esc(&h, json_string_value(json_object_get(row, "platform_name")));
		put(&h,
		    "</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td><td>%s</td></tr>",
		    (long long)json_integer_value(json_object_get(row, "open_items")),
		    (long long)json_integer_value(json_object_get(row, "deadline_ms")),
		    json_is_true(json_object_get(row, "escalated")) ? "yes" : "no");
	}
	put(&h, "</table>");
	/* log health */
	uint8_t w[HF_MAX_WITNESSES][HF_MEMBER_ID_LEN];
	size_t nw = hfn_node_members_with(n, HF_ROLE_WITNESS, w, HF_MAX_WITNESSES);
	put(&h,
	    "<h2>Log health</h2><table id=\"log\"><tr><th>leaves</th><td class=\"num\" "
	    "id=\"log-size\">%llu</td></tr><tr><th>published checkpoint</th><td class=\"num\" "
	    "id=\"log-published\">%llu</td></tr><tr><th>queued</th><td class=\"num\">%llu</td>"
	    "</tr><tr><th>last checkpoint signed (ms)</th><td class=\"num\">%llu</td></tr>"
	    "<tr><th>witnesses</th><td class=\"num\" id=\"log-witnesses\">%zu</td></tr>"
	    "<tr><th>cosignatures on the newest</th><td class=\"num\" id=\"log-cosigners\">%u"
	    "</td></tr><tr><th>quorum</th><td class=\"num\">%u</td></tr>"
	    "<tr><th>split-view alarms</th><td class=\"num\" id=\"log-alarms\">%llu</td></tr>"
	    "</table><p>Checkpoint:</p><pre id=\"checkpoint-note\">",
	    (unsigned long long)st.size, (unsigned long long)st.published,
	    (unsigned long long)st.queued, (unsigned long long)st.last_ms, nw, st.cosigners,
	    n->cfg.audit.quorum, (unsigned long long)st.alarms);
	esc(&h, json_string_value(json_object_get(ck, "note")));
	put(&h, "</pre></body></html>\n");
	if (h.oom) {
		free(h.p);
		return HF_ENOMEM;
	}
	*out = h.p;
	return HF_OK;
}
