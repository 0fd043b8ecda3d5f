/*
 * Order item state machine (spec §13.7) and deadline arithmetic (§13.6).
 *
 * The expected transitions below are written from the spec's prose, rule by
 * rule per event, NOT copied from protocol/src/order_sm.c: every one of the
 * 16 x 19 (state, event) pairs (plus out-of-range numbers) is checked against
 * them, so a row added, dropped or mis-targeted in the table fails here.
 *
 * Also checks that the table and diagram in spec/PROTOCOL.md §13.7 are the
 * ones generated from the table. To regenerate them, run this test with
 * HF_PRINT_ORDER_SM=1 and paste its output between the markers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_test.h"
#include "hashfed/order.h"
#include "hashfed/order_sm.h"

#define S(x) HF_OST_##x
#define E(x) HF_OEV_##x

static bool in(uint32_t s, const uint32_t *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == s)
			return true;
	return false;
}
#define IN(s, ...)                                                                                 \
	in((s), (const uint32_t[]){__VA_ARGS__},                                                   \
	   sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t))

/* Open states: the deadline runs. Late states: the deadline has passed. */
#define OPEN S(ISSUED), S(DELIVERED), S(ACKNOWLEDGED), S(IN_REVIEW), S(RECURRED)
#define LATE S(OVERDUE), S(ESCALATED)

/* The independent expectation: true and *next if (s, e) is allowed. */
static bool expected(uint32_t s, uint32_t e, uint32_t *next)
{
	switch (e) {
	case E(RECEIPT):
		if (s == S(ISSUED))
			return *next = S(DELIVERED), true;
		if (IN(s, LATE))
			return *next = s, true;
		return false;
	case E(ACK):
		if (IN(s, S(ISSUED), S(DELIVERED), S(RECURRED)))
			return *next = S(ACKNOWLEDGED), true;
		if (IN(s, LATE))
			return *next = s, true;
		return false;
	case E(REVIEW):
		if (IN(s, S(ISSUED), S(DELIVERED), S(ACKNOWLEDGED), S(RECURRED)))
			return *next = S(IN_REVIEW), true;
		if (IN(s, LATE))
			return *next = s, true;
		return false;
	case E(OUT_REMOVED):
		*next = S(ACTIONED);
		return IN(s, OPEN, LATE, S(CLARIFICATION));
	case E(OUT_BLOCKED):
		*next = S(PARTIAL);
		return IN(s, OPEN, LATE, S(CLARIFICATION));
	case E(OUT_CANNOT_COMPLY):
		*next = S(CANNOT_COMPLY);
		return IN(s, OPEN, LATE, S(CLARIFICATION));
	case E(CLARIFY_ASK):
		*next = S(CLARIFICATION);
		return IN(s, OPEN, LATE, S(CLARIFICATION));
	case E(CLARIFY_ANSWER):
		*next = S(IN_REVIEW);
		return s == S(CLARIFICATION);
	case E(DISPUTE):
		*next = S(DISPUTED);
		return IN(s, OPEN, LATE, S(CLARIFICATION));
	case E(MAINTAIN):
		*next = S(IN_REVIEW);
		return IN(s, S(PARTIAL), S(CANNOT_COMPLY), S(DISPUTED), S(APPEALED));
	case E(APPEAL):
		*next = S(APPEALED);
		return IN(s, S(CANNOT_COMPLY), S(DISPUTED));
	case E(WITHDRAW):
		*next = S(WITHDRAWN);
		return !IN(s, S(CLOSED), S(WITHDRAWN), S(VERIFIED));
	case E(VERIFY_CONFIRMED):
		*next = S(VERIFIED);
		return IN(s, S(ACTIONED), S(PARTIAL), S(CANNOT_COMPLY), S(DISPUTED));
	case E(VERIFY_STILL_REACHABLE):
		*next = S(IN_REVIEW);
		return IN(s, S(ACTIONED), S(PARTIAL));
	case E(RECURRENCE):
		*next = S(RECURRED);
		return IN(s, S(ACTIONED), S(PARTIAL), S(VERIFIED), S(CLOSED));
	case E(REMIND):
		*next = s;
		return IN(s, OPEN, LATE);
	case E(DEADLINE):
		*next = S(OVERDUE);
		return IN(s, OPEN);
	case E(ESCALATE):
		*next = S(ESCALATED);
		return IN(s, OPEN, S(OVERDUE));
	case E(CLOSE):
		*next = S(CLOSED);
		return IN(s, S(ACTIONED), S(PARTIAL), S(CANNOT_COMPLY), S(DISPUTED), S(VERIFIED));
	default:
		return false;
	}
}

static void every_pair(void **state)
{
	(void)state;
	size_t allowed = 0;
	/* 0 and MAX+1 on both axes: unknown numbers are invalid transitions too. */
	for (uint32_t s = 0; s <= HF_OST_MAX + 1; s++) {
		for (uint32_t e = 0; e <= HF_OEV_MAX + 1; e++) {
			uint32_t want = 0, st = s, act = 0;
			bool ok = s >= HF_OST_MIN && s <= HF_OST_MAX && expected(s, e, &want);
			hf_err rc = hf_order_sm_apply(&st, e, &act);
			if (ok) {
				allowed++;
				if (rc != HF_OK || st != want)
					fail_msg("%s + %s: rc %s, state %s, want %s",
					         hf_order_state_name(s), hf_order_ev_name(e),
					         hf_err_name(rc), hf_order_state_name(st),
					         hf_order_state_name(want));
				assert_non_null(hf_order_action_name(act));
			} else {
				if (rc != HF_ESTATE || st != s)
					fail_msg("%u + %u: should be HF_ESTATE and unchanged, got "
					         "%s -> %u",
					         s, e, hf_err_name(rc), st);
			}
		}
	}
	size_t n;
	(void)hf_order_sm_table(&n);
	/* Every table row is one allowed pair: no extra rows hide behind duplicates. */
	assert_int_equal(n, allowed);
}

static void table_sorted_and_named(void **state)
{
	(void)state;
	size_t n;
	const hf_order_sm_row *t = hf_order_sm_table(&n);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(hf_order_state_name(t[i].state));
		assert_non_null(hf_order_state_name(t[i].next));
		assert_non_null(hf_order_ev_name(t[i].event));
		assert_non_null(hf_order_action_name(t[i].action));
		if (i > 0)
			assert_true(t[i - 1].state < t[i].state ||
			            (t[i - 1].state == t[i].state && t[i - 1].event < t[i].event));
	}
	assert_null(hf_order_state_name(0));
	assert_null(hf_order_state_name(HF_OST_MAX + 1));
	assert_null(hf_order_ev_name(HF_OEV_MAX + 1));
	assert_null(hf_order_action_name(99));
}

/* The actions that drive the clock and the auditor. */
static void actions(void **state)
{
	(void)state;
	uint32_t a;
	struct {
		uint32_t s, e, act;
	} cases[] = {
	    {S(IN_REVIEW), E(CLARIFY_ASK), HF_OACT_PAUSE_CLOCK},
	    {S(CLARIFICATION), E(CLARIFY_ANSWER), HF_OACT_RESUME_CLOCK},
	    {S(IN_REVIEW), E(OUT_REMOVED), HF_OACT_STOP_CLOCK},
	    {S(OVERDUE), E(OUT_REMOVED), HF_OACT_STOP_CLOCK},
	    {S(ACTIONED), E(RECURRENCE), HF_OACT_REOPEN},
	    {S(ACTIONED), E(VERIFY_STILL_REACHABLE), HF_OACT_REOPEN},
	    {S(DELIVERED), E(DEADLINE), HF_OACT_MARK_OVERDUE},
	    {S(OVERDUE), E(ESCALATE), HF_OACT_ESCALATE},
	    {S(OVERDUE), E(RECEIPT), HF_OACT_RECORD_LATE},
	    {S(ISSUED), E(REMIND), HF_OACT_REMIND},
	    {S(IN_REVIEW), E(WITHDRAW), HF_OACT_CLOSE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(hf_order_sm_lookup(cases[i].s, cases[i].e, NULL, &a), HF_OK);
		assert_int_equal(a, cases[i].act);
	}
}

/* A whole life: issue, clarify, remove, verify, close, recur, remove again. */
static void scenario(void **state)
{
	(void)state;
	uint32_t st = S(ISSUED);
	const uint32_t evs[] = {E(RECEIPT),          E(ACK),         E(REVIEW),     E(CLARIFY_ASK),
	                        E(CLARIFY_ANSWER),   E(OUT_BLOCKED), E(MAINTAIN),   E(OUT_REMOVED),
	                        E(VERIFY_CONFIRMED), E(CLOSE),       E(RECURRENCE), E(DEADLINE),
	                        E(ESCALATE),         E(OUT_REMOVED), E(CLOSE)};
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		assert_int_equal(hf_order_sm_apply(&st, evs[i], NULL), HF_OK);
	assert_int_equal(st, S(CLOSED));
	/* Terminal: nothing but recurrence moves a closed item; withdrawn is final. */
	assert_int_equal(hf_order_sm_apply(&st, E(OUT_REMOVED), NULL), HF_ESTATE);
	assert_int_equal(st, S(CLOSED));
	st = S(WITHDRAWN);
	for (uint32_t e = HF_OEV_MIN; e <= HF_OEV_MAX; e++)
		assert_int_equal(hf_order_sm_apply(&st, e, NULL), HF_ESTATE);
}

static void helpers(void **state)
{
	(void)state;
	assert_int_equal(hf_order_ev_of_outcome(HF_OUT_REMOVED), E(OUT_REMOVED));
	assert_int_equal(hf_order_ev_of_outcome(HF_OUT_NOT_FOUND), E(OUT_REMOVED));
	assert_int_equal(hf_order_ev_of_outcome(HF_OUT_ALREADY_REMOVED), E(OUT_REMOVED));
	assert_int_equal(hf_order_ev_of_outcome(HF_OUT_BLOCKED_GEO), E(OUT_BLOCKED));
	assert_int_equal(hf_order_ev_of_outcome(HF_OUT_BLOCKED_ACCESS), E(OUT_BLOCKED));
	assert_int_equal(hf_order_ev_of_outcome(HF_OUT_CANNOT_COMPLY), E(OUT_CANNOT_COMPLY));
	assert_int_equal(hf_order_ev_of_outcome(HF_OUT_NEEDS_CLARIFICATION), E(CLARIFY_ASK));
	assert_int_equal(hf_order_ev_of_outcome(0), 0);
	assert_int_equal(hf_order_ev_of_outcome(HF_OUT_MAX + 1), 0);
	/* Local and outcome-derived events never travel as ORDER_EVENT kinds. */
	assert_false(hf_order_ev_is_message(E(RECEIPT)));
	assert_false(hf_order_ev_is_message(E(OUT_REMOVED)));
	assert_false(hf_order_ev_is_message(E(DEADLINE)));
	assert_false(hf_order_ev_is_message(E(ESCALATE)));
	assert_false(hf_order_ev_is_message(0));
	assert_true(hf_order_ev_is_message(E(WITHDRAW)));
	assert_int_equal(hf_order_ev_party(E(WITHDRAW)), HF_OPARTY_AUTHORITY);
	assert_int_equal(hf_order_ev_party(E(DISPUTE)), HF_OPARTY_PLATFORM);
	assert_int_equal(hf_order_ev_party(E(DEADLINE)), HF_OPARTY_LOCAL);
	assert_int_equal(hf_order_ev_party(99), 0);
	assert_true(hf_order_state_open(S(RECURRED)));
	assert_false(hf_order_state_open(S(CLARIFICATION)));
	assert_false(hf_order_state_open(S(OVERDUE)));
}

/* ---- deadline with a paused clock -------------------------------------- */

#define H 3600000ULL

static void deadline_plain(void **state)
{
	(void)state;
	hf_deadline_info di;
	assert_int_equal(hf_order_deadline(100 * H, NULL, 0, 90 * H, &di), HF_OK);
	assert_int_equal(di.effective_ms, 100 * H);
	assert_int_equal(di.left_ms, (int64_t)(10 * H));
	assert_false(di.paused);
	assert_false(di.overdue);
	assert_int_equal(hf_order_deadline(100 * H, NULL, 0, 101 * H, &di), HF_OK);
	assert_int_equal(di.left_ms, -(int64_t)H);
	assert_true(di.overdue);
}

static void deadline_paused(void **state)
{
	(void)state;
	hf_deadline_info di;
	/* Two closed pauses of 3 h and 2 h before the deadline: +5 h. */
	hf_clock_pause p[3] = {{80 * H, 83 * H}, {90 * H, 92 * H}, {0, 0}};
	assert_int_equal(hf_order_deadline(100 * H, p, 2, 99 * H, &di), HF_OK);
	assert_int_equal(di.effective_ms, 105 * H);
	assert_int_equal(di.paused_ms, 5 * H);
	assert_int_equal(di.left_ms, (int64_t)(6 * H));
	/* The first pause extended the deadline to 103 h, so a pause at 102 h counts. */
	hf_clock_pause q[2] = {{99 * H, 102 * H}, {102 * H, 0}};
	assert_int_equal(hf_order_deadline(100 * H, q, 2, 110 * H, &di), HF_OK);
	assert_true(di.paused);
	assert_false(di.overdue);
	assert_int_equal(di.effective_ms, 100 * H + 3 * H + 8 * H);
	/* While paused, time left is frozen: 1 h at 102 h and still 1 h at 110 h. */
	assert_int_equal(di.left_ms, (int64_t)H);
	/* Open pause at now: frozen from 95 h; left stays 5 h whatever now is. */
	p[2] = (hf_clock_pause){95 * H, 0};
	assert_int_equal(hf_order_deadline(100 * H, p, 3, 200 * H, &di), HF_OK);
	assert_true(di.paused);
	assert_int_equal(di.left_ms, (int64_t)(10 * H));
}

static void deadline_late_pause(void **state)
{
	(void)state;
	hf_deadline_info di;
	/* A question asked after the deadline does not revive the item. */
	hf_clock_pause p[1] = {{101 * H, 0}};
	assert_int_equal(hf_order_deadline(100 * H, p, 1, 105 * H, &di), HF_OK);
	assert_int_equal(di.effective_ms, 100 * H);
	assert_false(di.paused);
	assert_true(di.overdue);
	assert_int_equal(di.left_ms, -(int64_t)(5 * H));
}

static void deadline_bad_history(void **state)
{
	(void)state;
	hf_deadline_info di;
	hf_clock_pause overlap[2] = {{10, 30}, {20, 40}};
	hf_clock_pause backwards[1] = {{30, 20}};
	hf_clock_pause open_first[2] = {{10, 0}, {20, 30}};
	hf_clock_pause future[1] = {{500, 0}};
	hf_clock_pause huge[1] = {{1, UINT64_MAX}};
	assert_int_equal(hf_order_deadline(100, overlap, 2, 50, &di), HF_EINVAL);
	assert_int_equal(hf_order_deadline(100, backwards, 1, 50, &di), HF_EINVAL);
	assert_int_equal(hf_order_deadline(100, open_first, 2, 50, &di), HF_EINVAL);
	assert_int_equal(hf_order_deadline(100, future, 1, 50, &di), HF_EINVAL);
	assert_int_equal(hf_order_deadline(100, NULL, 1, 50, &di), HF_EINVAL);
	assert_int_equal(hf_order_deadline(100, huge, 1, UINT64_MAX, &di), HF_EINVAL);
}

/* ---- spec §13.7 is generated from the table ------------------------------ */

typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static char *render_table(void)
{
	sbuf b = {0};
	size_t n;
	char line[256];
	const hf_order_sm_row *t = hf_order_sm_table(&n);
	sb_add(&b, "| state | event | next | action |\n|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "| %s | %s | %s | %s |\n",
		         hf_order_state_name(t[i].state), hf_order_ev_name(t[i].event),
		         hf_order_state_name(t[i].next), hf_order_action_name(t[i].action));
		sb_add(&b, line);
	}
	return b.p;
}

/* Mermaid: one edge per (state, next) pair, labelled with its events. */
static char *render_diagram(void)
{
	sbuf b = {0};
	size_t n;
	char line[512];
	const hf_order_sm_row *t = hf_order_sm_table(&n);
	bool *done = calloc(n, sizeof(bool));
	assert_non_null(done);
	sb_add(&b, "```mermaid\nstateDiagram-v2\n    [*] --> ISSUED\n");
	for (size_t i = 0; i < n; i++) {
		if (done[i])
			continue;
		snprintf(line, sizeof(line), "    %s --> %s: %s", hf_order_state_name(t[i].state),
		         hf_order_state_name(t[i].next), hf_order_ev_name(t[i].event));
		sb_add(&b, line);
		for (size_t j = i + 1; j < n; j++) {
			if (t[j].state == t[i].state && t[j].next == t[i].next) {
				done[j] = true;
				sb_add(&b, ", ");
				sb_add(&b, hf_order_ev_name(t[j].event));
			}
		}
		sb_add(&b, "\n");
	}
	sb_add(&b, "    WITHDRAWN --> [*]\n    CLOSED --> [*]\n```\n");
	free(done);
	return b.p;
}

static char *spec_section(const char *spec, const char *name)
{
	char begin[128], end[128];
	snprintf(begin, sizeof(begin), "<!-- %s:begin -->\n", name);
	snprintf(end, sizeof(end), "<!-- %s:end -->", name);
	const char *a = strstr(spec, begin);
	if (a == NULL)
		return NULL;
	a += strlen(begin);
	const char *z = strstr(a, end);
	if (z == NULL)
		return NULL;
	char *out = malloc((size_t)(z - a) + 1);
	assert_non_null(out);
	memcpy(out, a, (size_t)(z - a));
	out[z - a] = 0;
	return out;
}

static void spec_in_sync(void **state)
{
	(void)state;
	char *table = render_table(), *diagram = render_diagram();
	if (getenv("HF_PRINT_ORDER_SM") != NULL)
		printf("<!-- order-sm-table:begin -->\n%s<!-- order-sm-table:end -->\n\n"
		       "<!-- order-sm-diagram:begin -->\n%s<!-- order-sm-diagram:end -->\n",
		       table, diagram);
	size_t len;
	uint8_t *spec = hf_test_read_file(HF_SOURCE_DIR "/spec/PROTOCOL.md", &len);
	assert_non_null(spec);
	char *s = malloc(len + 1);
	assert_non_null(s);
	memcpy(s, spec, len);
	s[len] = 0;
	char *t = spec_section(s, "order-sm-table"), *d = spec_section(s, "order-sm-diagram");
	assert_non_null(t);
	assert_non_null(d);
	if (strcmp(t, table) != 0 || strcmp(d, diagram) != 0)
		fail_msg("spec/PROTOCOL.md §13.7 differs from the table; regenerate with "
		         "HF_PRINT_ORDER_SM=1");
	free(t);
	free(d);
	free(s);
	free(spec);
	free(table);
	free(diagram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_pair),
	    cmocka_unit_test(table_sorted_and_named),
	    cmocka_unit_test(actions),
	    cmocka_unit_test(scenario),
	    cmocka_unit_test(helpers),
	    cmocka_unit_test(deadline_plain),
	    cmocka_unit_test(deadline_paused),
	    cmocka_unit_test(deadline_late_pause),
	    cmocka_unit_test(deadline_bad_history),
	    cmocka_unit_test(spec_in_sync),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
