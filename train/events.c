/*
 * events.c — from the events table's rows to interaction strengths, and
 * the time-ordered hold-out. No SQL here (input-db.c reads the rows), so
 * the rules below can be tested on arrays.
 *
 * Event weights. The strength of a (cadre, item) pair sums what the cadre
 * did with the item:
 *   open       1 per open, at most TRAIN_OPEN_MAX opens counted;
 *   progress   2 x the largest progress value reported (value is the
 *              share read or watched, clamped to 0..1; missing = 0.5);
 *   complete   4 per completion, at most TRAIN_COMPLETE_MAX counted
 *              (coming back to a lesson says more than reading it once);
 *   impression 0: being shown an item says nothing about liking it, so
 *              impressions are not read at all (an observed pair of
 *              strength 0 would count as a weak positive in ALS).
 * ALS turns strength r into confidence c = 1 + alpha r with preference 1.
 *
 * Dismiss is negative evidence: when a pair's latest dismiss is not older
 * than its latest open/progress/complete, the pair's strength is
 * -TRAIN_DISMISS_STRENGTH. The library reads a negative strength as
 * preference 0 with confidence 1 + alpha |r|: the model is pushed towards
 * "not for this cadre" harder than for an item never shown (c = 1), as
 * hard as for a half-read item. A cadre who opens the item again after
 * dismissing it has changed their mind: the positive events count, the
 * dismiss does not.
 *
 * Hold-out (time-ordered, no peeking): a pair becomes an interaction at
 * its first open/progress/complete. For each cadre a cut-off time is
 * chosen; training sees only events strictly before the cadre's cut-off,
 * the test set is the pairs whose first positive event is at or after it.
 *   per user N: the cut-off is the time of the cadre's N-th latest new
 *     interaction (ties at that second go to the test side too); a cadre
 *     keeps at least one interaction in training or is not held out;
 *   last D days: one cut-off for all, D days before the latest event.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "extern.h"

void
train_events_free(struct train_events *e)
{
	free(e->v);
	memset(e, 0, sizeof(*e));
}

int
train_events_push(struct train_events *e, const struct train_event *x)
{
	struct train_event *v;
	size_t cap;

	if (e->n == e->cap) {
		cap = e->cap == 0 ? 4096 : e->cap * 2;
		if (cap > SIZE_MAX / sizeof(*v) || (uint64_t)cap > MODEL_MAX_NNZ ||
		    (v = realloc(e->v, cap * sizeof(*v))) == NULL)
			return -1;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = *x;
	return 0;
}

/*
 * The strength of one pair from its events 'e' ('n', time-ordered) older
 * than 'before'; *observed is set when the pair is an interaction at all
 * (a positive event or a standing dismiss).
 */
float
train_pair_strength(const struct train_event *e, size_t n, int64_t before,
    int *observed)
{
	unsigned opens = 0, completes = 0;
	int64_t last_positive = INT64_MIN, last_dismiss = INT64_MIN;
	float progress = 0.0f, v;
	size_t j;

	*observed = 0;
	for (j = 0; j < n && e[j].at < before; j++) {
		switch (e[j].kind) {
		case TRAIN_EVENT_OPEN:
			opens++;
			last_positive = e[j].at;
			break;
		case TRAIN_EVENT_PROGRESS:
			v = e[j].has_value ? e[j].value : 0.5f;
			v = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
			if (v > progress)
				progress = v;
			last_positive = e[j].at;
			break;
		case TRAIN_EVENT_COMPLETE:
			completes++;
			last_positive = e[j].at;
			break;
		case TRAIN_EVENT_DISMISS:
			last_dismiss = e[j].at;
			break;
		}
	}
	if (last_dismiss != INT64_MIN && last_dismiss >= last_positive) {
		*observed = 1;
		return -TRAIN_DISMISS_STRENGTH;
	}
	if (last_positive == INT64_MIN)
		return 0.0f;
	*observed = 1;
	return TRAIN_OPEN_WEIGHT * (float)(opens < TRAIN_OPEN_MAX ? opens :
	    TRAIN_OPEN_MAX) + TRAIN_PROGRESS_WEIGHT * progress +
	    TRAIN_COMPLETE_WEIGHT * (float)(completes < TRAIN_COMPLETE_MAX ?
	    completes : TRAIN_COMPLETE_MAX);
}

/* The time of the pair's first positive event, or INT64_MAX. */
static int64_t
first_positive(const struct train_event *e, size_t n)
{
	size_t j;

	for (j = 0; j < n; j++)
		if (e[j].kind != TRAIN_EVENT_DISMISS)
			return e[j].at;
	return INT64_MAX;
}

static int
push_triple(struct train_triples *t, int64_t user, int64_t item, float w)
{
	struct model_triple *v;
	size_t cap;

	if (t->n == t->cap) {
		cap = t->cap == 0 ? 4096 : t->cap * 2;
		if (cap > SIZE_MAX / sizeof(*v) ||
		    (v = realloc(t->v, cap * sizeof(*v))) == NULL)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n].user = user;
	t->v[t->n].item = item;
	t->v[t->n].weight = w;
	t->n++;
	return 0;
}

static int
compare_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y) - (x > y);
}

/* One pair: where its events start in the sorted array, and how many. */
struct pair {
	size_t start, n;
	int64_t first;
};

/*
 * The split of one user's pairs 'p' ('n_pairs') into 'out'; 'times' is
 * scratch of n_pairs. 'global_cut' is the days cut-off, or INT64_MIN for
 * per-user hold-out of 'per_user'.
 */
static int
split_user(const struct train_event *e, const struct pair *p, size_t n_pairs,
    int64_t global_cut, uint32_t per_user, int64_t *times,
    struct train_split *out)
{
	int64_t user = e[p[0].start].user, cut = INT64_MAX;
	size_t j, n_pos = 0;
	float w;
	int observed, held = 0, kept = 0;

	for (j = 0; j < n_pairs; j++)
		if (p[j].first != INT64_MAX)
			times[n_pos++] = p[j].first;
	if (global_cut != INT64_MIN) {
		cut = global_cut;
	} else if (n_pos > per_user) {
		qsort(times, n_pos, sizeof(*times), compare_desc);
		cut = times[per_user - 1];
		/* Keep at least one interaction to learn the cadre from. */
		if (times[n_pos - 1] >= cut)
			cut = INT64_MAX;
	}
	for (j = 0; j < n_pairs; j++) {
		w = train_pair_strength(e + p[j].start, p[j].n, INT64_MAX,
		    &observed);
		if (observed && push_triple(&out->all, user, e[p[j].start].item,
		    w) < 0)
			return -1;
		w = train_pair_strength(e + p[j].start, p[j].n, cut, &observed);
		if (observed) {
			if (push_triple(&out->train, user, e[p[j].start].item,
			    w) < 0)
				return -1;
			kept += w > 0.0f;
		}
		if (p[j].first != INT64_MAX && p[j].first >= cut) {
			if (out->test.n == out->test_first_cap) {
				size_t cap = out->test_first_cap == 0 ? 4096 :
				    out->test_first_cap * 2;
				int64_t *grown = realloc(out->test_first,
				    cap * sizeof(*grown));

				if (grown == NULL)
					return -1;
				out->test_first = grown;
				out->test_first_cap = cap;
			}
			out->test_first[out->test.n] = p[j].first;
			if (push_triple(&out->test, user, e[p[j].start].item,
			    1.0f) < 0)
				return -1;
			held = 1;
		}
	}
	out->test_users += held;
	out->train_users += kept > 0;
	return 0;
}

void
train_split_free(struct train_split *s)
{
	train_triples_free(&s->all);
	train_triples_free(&s->train);
	train_triples_free(&s->test);
	free(s->test_first);
	memset(s, 0, sizeof(*s));
}

int
train_split(const struct train_events *events, uint32_t per_user,
    uint32_t days, struct train_split *out, struct qf_error *err)
{
	const struct train_event *e = events->v;
	struct pair *pairs = NULL;
	int64_t *times = NULL, latest = INT64_MIN, global_cut = INT64_MIN;
	size_t j, start, n_pairs = 0, cap = 0, user_start;
	struct pair *grown;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((per_user == 0) == (days == 0)) {
		qf_error_set(err, "hold out either per user or by days");
		return -1;
	}
	for (j = 0; j < events->n; j++) {
		if (j > 0 && (e[j - 1].user > e[j].user ||
		    (e[j - 1].user == e[j].user && (e[j - 1].item > e[j].item ||
		    (e[j - 1].item == e[j].item && e[j - 1].at > e[j].at))))) {
			qf_error_set(err, "events are not sorted by user, item "
			    "and time");
			return -1;
		}
		if (e[j].at > latest)
			latest = e[j].at;
	}
	if (days > 0 && events->n > 0) {
		global_cut = latest - (int64_t)days * 86400 + 1;
		out->cutoff = global_cut;
	}
	for (j = 0; j < events->n; j = start) {
		/* One user's events: group them by item into pairs. */
		user_start = j;
		n_pairs = 0;
		for (start = j; start < events->n &&
		    e[start].user == e[user_start].user;) {
			if (n_pairs == cap) {
				cap = cap == 0 ? 256 : cap * 2;
				if ((grown = realloc(pairs, cap * sizeof(*pairs))) ==
				    NULL)
					goto nomem;
				pairs = grown;
				free(times);
				if ((times = malloc(cap * sizeof(*times))) == NULL)
					goto nomem;
			}
			pairs[n_pairs].start = start;
			while (start < events->n && e[start].user == e[user_start].user &&
			    e[start].item == e[pairs[n_pairs].start].item)
				start++;
			pairs[n_pairs].n = start - pairs[n_pairs].start;
			pairs[n_pairs].first = first_positive(e +
			    pairs[n_pairs].start, pairs[n_pairs].n);
			n_pairs++;
		}
		if (split_user(e, pairs, n_pairs, global_cut, per_user, times,
		    out) < 0)
			goto nomem;
	}
	rc = 0;
	goto out;
nomem:
	qf_error_set(err, "out of memory splitting %zu events", events->n);
out:
	free(pairs);
	free(times);
	if (rc < 0)
		train_split_free(out);
	return rc;
}
