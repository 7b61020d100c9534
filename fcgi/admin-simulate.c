/*
 * admin-simulate.c — `qingfeng-admin simulate`: a simulated cohort for the
 * demo and the tests. Creates a unit tree under the root unit, N cadres
 * with categories, industries, risk exposures and experiment arms, and M
 * months of history: impressions, opens, progress, completions, dismisses
 * and quiz answers. Deterministic for a seed and a "now" (--now, default
 * the current time rounded down to the day in Beijing): the same arguments
 * on the same library give the same rows.
 *
 * The behavioural model (all probabilities per simulated event):
 *
 * Units. Leaf units are of business types (discipline commission, finance
 * bureau, housing and construction bureau, hospital, education bureau,
 * police, rural bank, state-owned investment group, ...), each with an
 * industry, the risk exposures of its posts and two disciplines its
 * business cares most about; they hang under cities and their counties
 * (province > city > county > unit), the province being the database's
 * first top-level unit (the demo's 某省纪委监委, so demo-supervisor sees
 * the whole cohort). Every sixth leaf unit is a "lagging" unit: its
 * cadres are active with 0.4 times the usual chance and answer quizzes
 * 1.5 logits worse, so its participation stays under 60% and its pass rate
 * under 80% (the supervisor's warnings have something to find).
 *
 * Cadres. Category leading 8%, middle 27%, grassroots 45%, new hire 20%;
 * the unit's industry; 1 to 3 of the unit's risk exposures; arm control
 * with the settings' control_share (default 0.1), else personalised;
 * activity a ~ U(0.75, 1.0) (x 0.4 in a lagging unit); 6% drop out one or
 * two months before the end (no event at all for 30+ days before "now");
 * a taste for cases or for lessons; a general quiz ability
 * A ~ N(2.0, 0.7) and a skill per discipline S_d ~ N(0, 0.6).
 *
 * Months are 30-day blocks ending at "now". In each month a cadre is
 * active with probability a; an active cadre opens the feed 1 to 4 times
 * at random moments of the month. Each feed shows 10 items (impressions
 * with positions 0..9 and the arm):
 *   personalised: the server's rules (fcgi/feed.c) on a stand-in for the
 *     model's scores (what cadres of units of the same business completed,
 *     which is what a factor model learns from co-completions):
 *     z-scored log(1 + that count) + 1.2 risk match + 0.9 weak
 *     discipline (mastery < 0.6 after 3+ answers) + 0.3 category tag +
 *     0.2 industry tag, picked greedily with the variety penalties (0.45
 *     same discipline, 0.6 same novel form, 0.5 same risk); due reviews
 *     (learner_reviews_due) are answered first, at most two;
 *   control: the items most completed by cadres of the same category.
 * Both: never a completed or dismissed item, nor one tagged for other
 * categories. Counts are taken at the start of each month (a nightly
 * model sees yesterday's data).
 * The fit of an item to a cadre:
 *     fit = 2.0 [item tagged with one of the cadre's risks]
 *         + 0.35 [tagged with the cadre's category]
 *         + 0.8 [tagged with the cadre's industry]
 *         + 0.3 [tagged with a discipline its unit's business cares about
 *                (e.g. a police bureau: mass and work discipline)]
 *         + 0.2 [of the kind (case / lesson) the cadre prefers]
 * and then, for the item at position p:
 *     P(open)            = a x min(0.9, 0.04 e^(1.2 fit)) / (1 + 0.1 p)
 *                          x 0.6^k x (1.6 when the card's reason names
 *                          the cadre's post, else 1)
 * where k counts the item's earlier impressions the cadre let pass
 * (fatigue), and a reason names the post in the personalised arm when the
 * item matches a risk, a weak discipline or the industry ("it fits my
 * post", the seeds' complaint about one-size-for-all learning);
 *     P(complete | open) = min(0.95, 0.3 x (1 + fit))
 *     P(dismiss | not opened) = 0.04 when fit = 0, else 0.01
 * An open is followed by progress events (the share read); an abandoned
 * read reaches 10-80%. A completed item's attached questions are answered
 * through learner_answer_record (so mastery, question difficulties and
 * reviews are what the server would hold), right with probability
 *     s(A + S_d - b_q),  b_q = the item's prior difficulty + N(0, 0.5),
 * and a wrong answer teaches: S_d += 0.15.
 *
 * What comes out (seed 1, the defaults, the starter corpus): about 44,000
 * events and 11,500 answers; completed ÷ pushed (distinct cadre-item pairs)
 * 28% in the control arm, 36% in the personalised one; quiz answers 89%
 * right, the lagging units under 80%; `qingfeng-train run` then promotes a
 * model with nDCG@10 0.21 against popularity's 0.11, and `qingfeng-train
 * mastery --evaluate` predicts held-out answers with AUC 0.69. (Every
 * item of the starter corpus is tagged for target categories, so the
 * category term of the fit is the same for every item a cadre may see.)
 *
 * Cadres log in as sim-NNNN with the password qingfeng-demo (one argon2id
 * hash computed once for all). Writes one transaction per month; records
 * the run in settings ('simulation') and the audit log; refuses to run
 * twice on one database.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "model/learner.h"
#include "fcgi/admin-simulate.h"

#define EXIT_USAGE 2
#define MONTH_S (30 * 86400)
#define FEED_SIZE 10
#define REVIEWS_PER_FEED 2
#define MAX_CADRE_RISKS 3

/* The same weights as fcgi/feed.c's. */
#define BOOST_RISK 1.2
#define BOOST_WEAK 0.9
#define BOOST_CATEGORY 0.3
#define BOOST_INDUSTRY 0.2
#define PENALTY_SAME_DISCIPLINE 0.45
#define PENALTY_SAME_FORM 0.6
#define PENALTY_SAME_RISK 0.5

/* ------------------------------------------------------------------ PRNG */

/* xoshiro256** seeded by splitmix64: the same stream on every platform. */
struct rng {
	uint64_t s[4];
};

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(struct rng *r)
{
	uint64_t result = rotl(r->s[1] * 5, 7) * 9, t = r->s[1] << 17;

	r->s[2] ^= r->s[0];
	r->s[3] ^= r->s[1];
	r->s[1] ^= r->s[2];
	r->s[0] ^= r->s[3];
	r->s[2] ^= t;
	r->s[3] = rotl(r->s[3], 45);
	return result;
}

/* Uniform in [0, 1). */
static double
rng_uniform(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n). */
static uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)(rng_uniform(r) * n);
}

static int
rng_chance(struct rng *r, double p)
{
	return rng_uniform(r) < p;
}

/* Standard normal (Box-Muller, one of the pair). */
static double
rng_normal(struct rng *r)
{
	double u = rng_uniform(r), v = rng_uniform(r);

	return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}

/* ------------------------------------------------------------ unit types */

struct unit_type {
	const char *suffix;        /* appended to the city's or county's name */
	const char *industry;
	const char *risks[4];
	int county;                /* also found in counties */
	const char *focus[2];      /* the disciplines its cadres care most about */
};

static const struct unit_type unit_types[] = {
	{ "纪委监委", "industry.government", { "risk.law_enforcement", "risk.data_security", "risk.appointments" },
	  1, { "discipline.political", "discipline.organisational" } },
	{ "财政局", "industry.government", { "risk.fund_approval", "risk.subsidies", "risk.procurement" },
	  1, { "discipline.integrity", "discipline.work" } },
	{ "住房和城乡建设局", "industry.construction", { "risk.tendering", "risk.construction", "risk.licensing" },
	  1, { "discipline.integrity", "discipline.work" } },
	{ "人民医院", "industry.health", { "risk.medical_procurement", "risk.procurement", "risk.research_funds" },
	  1, { "discipline.integrity", "discipline.mass" } },
	{ "教育局", "industry.education", { "risk.admissions", "risk.procurement", "risk.fund_approval" },
	  1, { "discipline.mass", "discipline.life" } },
	{ "公安局", "industry.police", { "risk.law_enforcement", "risk.data_security", "risk.licensing" },
	  1, { "discipline.mass", "discipline.work" } },
	{ "农商银行", "industry.finance", { "risk.credit_approval", "risk.data_security", "risk.procurement" },
	  0, { "discipline.integrity", "discipline.life" } },
	{ "城市建设投资集团", "industry.soe", { "risk.tendering", "risk.state_assets", "risk.construction", "risk.procurement" },
	  0, { "discipline.integrity", "discipline.family" } },
	{ "农业农村局", "industry.agriculture", { "risk.subsidies", "risk.fund_approval", "risk.procurement" },
	  1, { "discipline.mass", "discipline.work" } },
	{ "自然资源和规划局", "industry.natural_resources", { "risk.licensing", "risk.law_enforcement", "risk.state_assets" },
	  1, { "discipline.integrity", "discipline.work" } },
	{ "委组织部", "industry.government", { "risk.appointments", "risk.data_security" },
	  1, { "discipline.organisational", "discipline.political" } },
	{ "第一中学", "industry.education", { "risk.admissions", "risk.research_funds", "risk.procurement" },
	  1, { "discipline.life", "discipline.family" } },
};
#define UNIT_TYPES (sizeof(unit_types) / sizeof(unit_types[0]))

static const char *const city_names[] = { "清河市", "江北市", "云山市", "平湖市", "临川市",
	"东阳市", "白沙市", "青峰市" };
static const char *const county_names[] = { "青石县", "白水县", "兰溪县", "松阳县", "石门县",
	"桃源县", "丰乐县", "长宁县" };

static const char *const surnames[] = { "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周",
	"吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗" };
static const char *const given[] = { "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋",
	"勇", "艳", "杰", "涛", "明", "超", "秀英", "建国", "志强", "海燕", "晓东", "文华",
	"红梅", "国栋", "立新", "春华", "家豪" };

static const char *const categories[] = { "leading", "middle", "grassroots", "new_hire" };
/* The category mix, cumulative: 8% leading, 27% middle, 45% grassroots, 20% new hires. */
static const double category_cdf[] = { 0.08, 0.35, 0.80, 1.0 };

#define N_CATEGORIES 4
#define MAX_DISCIPLINES 16
#define MAX_RISKS 64

/* ----------------------------------------------------------------- state */

struct sim_question {
	int64_t id;
	double difficulty;         /* b_q of the behavioural model */
	char *right, *wrong;       /* choice JSON of a right and a wrong answer */
};

struct sim_item {
	int64_t id;
	int is_case;
	int minutes;
	int difficulty;
	unsigned category_scope;   /* bit per category tagged; 0 = for all */
	uint64_t risks;            /* bit per risk index */
	char industry[64];
	int discipline;            /* first discipline tag (by code), -1 none */
	uint32_t disciplines;      /* bit per discipline tagged */
	char form[64];             /* first form tag, "" none */
	struct sim_question *questions;
	size_t question_count;
};

struct sim_unit {
	int64_t id;
	const struct unit_type *type;
	int lagging;
};

struct sim_cadre {
	int64_t id;
	size_t unit;
	int category;
	char industry[64];
	uint64_t risks;
	uint32_t focus;            /* bit per discipline of the unit's focus */
	int control;
	double activity;
	int dropout_month;         /* no activity from this month on; M when none */
	int prefers_cases;
	double ability;
	double skill[MAX_DISCIPLINES];
	double mastery[MAX_DISCIPLINES];
	int mastery_answers[MAX_DISCIPLINES];
	unsigned char *done;       /* per item: 1 completed, 2 dismissed */
	unsigned char *ignored;    /* per item: impressions not opened so far */
};

struct sim {
	sqlite3 *db;
	struct rng rng;
	uint64_t seed;
	int cadre_count, months, unit_count;
	int64_t now, start;
	double control_share;
	char *risk_codes[MAX_RISKS];
	size_t risk_count;
	char *discipline_codes[MAX_DISCIPLINES];
	size_t discipline_count;
	struct sim_item *items;
	size_t item_count;
	struct sim_unit *units;
	struct sim_cadre *cadres;
	/* Distinct cadres of each category who completed each item, and its snapshot. */
	uint32_t *popular[N_CATEGORIES], *popular_now[N_CATEGORIES];
	/* The same by the business of the cadre's unit: the stand-in for the model's scores. */
	uint32_t *business[UNIT_TYPES], *business_now[UNIT_TYPES];
	sqlite3_stmt *insert_event;
	int64_t events, answers;
};

static int
db_error(struct sim *s, const char *what)
{
	fprintf(stderr, "qingfeng-admin: simulate: %s: %s\n", what, sqlite3_errmsg(s->db));
	return -1;
}

static int
risk_index(const struct sim *s, const char *code)
{
	for (size_t i = 0; i < s->risk_count; i++)
		if (strcmp(s->risk_codes[i], code) == 0)
			return (int)i;
	return -1;
}

static int
discipline_index(const struct sim *s, const char *code)
{
	for (size_t i = 0; i < s->discipline_count; i++)
		if (strcmp(s->discipline_codes[i], code) == 0)
			return (int)i;
	return -1;
}

static int
tag_exists(struct sim *s, const char *code)
{
	sqlite3_stmt *stmt;
	int found = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM tags WHERE code = ?1", -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, code, -1, SQLITE_STATIC);
		found = sqlite3_step(stmt) == SQLITE_ROW;
	}
	sqlite3_finalize(stmt);
	return found;
}

/* -------------------------------------------------------------- loading */

/* A right and a wrong choice for a question's stored answer. */
static void
question_choices(const char *answer_json, const char *choices_json, struct sim_question *q)
{
	json_t *answer = json_loads(answer_json, 0, NULL), *choices = json_loads(choices_json, 0, NULL);
	size_t n = json_is_array(choices) ? json_array_size(choices) : 2;
	json_t *wrong = json_array();

	if (n < 2)
		n = 2;
	q->right = strdup(answer_json);
	if (json_is_array(answer) && json_array_size(answer) > 1) {
		/* A multiple choice missing one right option is wrong. */
		for (size_t i = 0; i + 1 < json_array_size(answer); i++)
			json_array_append(wrong, json_array_get(answer, i));
	} else {
		json_int_t a = json_is_array(answer) ? json_integer_value(json_array_get(answer, 0)) : 0;

		json_array_append_new(wrong, json_integer((a + 1) % (json_int_t)n));
	}
	q->wrong = json_dumps(wrong, JSON_COMPACT);
	json_decref(wrong);
	json_decref(answer);
	json_decref(choices);
}

static int
load_library(struct sim *s)
{
	sqlite3_stmt *stmt;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT code, kind FROM tags WHERE kind IN ('risk', 'discipline')"
	    " ORDER BY code", -1, &stmt, NULL) != SQLITE_OK)
		return db_error(s, "tags");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *code = (const char *)sqlite3_column_text(stmt, 0);

		if (strcmp((const char *)sqlite3_column_text(stmt, 1), "risk") == 0) {
			if (s->risk_count < MAX_RISKS)
				s->risk_codes[s->risk_count++] = strdup(code);
		} else if (s->discipline_count < MAX_DISCIPLINES)
			s->discipline_codes[s->discipline_count++] = strdup(code);
	}
	sqlite3_finalize(stmt);

	if (sqlite3_prepare_v2(s->db, "SELECT id, kind, minutes, difficulty FROM items"
	    " WHERE status = 'published' ORDER BY id", -1, &stmt, NULL) != SQLITE_OK)
		return db_error(s, "items");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct sim_item *grown = realloc(s->items, (s->item_count + 1) * sizeof(*grown)), *it;

		if (grown == NULL)
			break;
		s->items = grown;
		it = &s->items[s->item_count++];
		memset(it, 0, sizeof(*it));
		it->id = sqlite3_column_int64(stmt, 0);
		it->is_case = strcmp((const char *)sqlite3_column_text(stmt, 1), "case") == 0;
		it->minutes = sqlite3_column_int(stmt, 2);
		it->difficulty = sqlite3_column_int(stmt, 3);
		it->discipline = -1;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return db_error(s, "items");

	for (size_t i = 0; i < s->item_count; i++) {
		struct sim_item *it = &s->items[i];

		if (sqlite3_prepare_v2(s->db, "SELECT tag_code FROM item_tags WHERE item_id = ?1"
		    " ORDER BY tag_code", -1, &stmt, NULL) != SQLITE_OK)
			return db_error(s, "item tags");
		sqlite3_bind_int64(stmt, 1, it->id);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			const char *code = (const char *)sqlite3_column_text(stmt, 0);
			int k;

			if (strncmp(code, "category.", 9) == 0) {
				for (int c = 0; c < N_CATEGORIES; c++)
					if (strcmp(code + 9, categories[c]) == 0)
						it->category_scope |= 1u << c;
			} else if (strncmp(code, "risk.", 5) == 0 && (k = risk_index(s, code)) >= 0)
				it->risks |= 1ULL << k;
			else if (strncmp(code, "industry.", 9) == 0 && it->industry[0] == '\0')
				snprintf(it->industry, sizeof(it->industry), "%s", code);
			else if (strncmp(code, "discipline.", 11) == 0 && (k = discipline_index(s, code)) >= 0) {
				if (it->discipline < 0)
					it->discipline = k;
				it->disciplines |= 1u << k;
			}
			else if (strncmp(code, "form.", 5) == 0 && it->form[0] == '\0')
				snprintf(it->form, sizeof(it->form), "%s", code);
		}
		sqlite3_finalize(stmt);
		if (sqlite3_prepare_v2(s->db, "SELECT id, answer, choices FROM questions"
		    " WHERE item_id = ?1 AND status = 'published' ORDER BY id", -1, &stmt, NULL) != SQLITE_OK)
			return db_error(s, "questions");
		sqlite3_bind_int64(stmt, 1, it->id);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			struct sim_question *grown = realloc(it->questions,
			    (it->question_count + 1) * sizeof(*grown)), *q;

			if (grown == NULL)
				break;
			it->questions = grown;
			q = &it->questions[it->question_count++];
			q->id = sqlite3_column_int64(stmt, 0);
			q->difficulty = mastery_prior_difficulty(it->difficulty) + 0.5 * rng_normal(&s->rng);
			question_choices((const char *)sqlite3_column_text(stmt, 1),
			    (const char *)sqlite3_column_text(stmt, 2), q);
		}
		sqlite3_finalize(stmt);
	}
	if (s->item_count == 0) {
		fprintf(stderr, "qingfeng-admin: simulate: the library has no published items: "
		    "load content first (qingfeng-admin demo --content DIR, or load-content)\n");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- creation */

static int64_t
unit_create(struct sim *s, const char *name, int64_t parent)
{
	struct qf_error err;
	int64_t id;

	qf_error_init(&err);
	if ((id = accounts_create_unit(s->db, name, parent, &err)) < 0)
		fprintf(stderr, "qingfeng-admin: simulate: unit %s: %s\n", name, err.text);
	return id;
}

/* The first top-level unit (the province), created when there is none. */
static int64_t
root_unit(struct sim *s)
{
	sqlite3_stmt *stmt;
	int64_t id = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT id FROM units WHERE parent_id IS NULL ORDER BY id LIMIT 1",
	    -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		id = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return id != 0 ? id : unit_create(s, "某省纪委监委", 0);
}

/*
 * The tree: leaf j goes to city j % C; the unit types take turns; a type
 * found in counties goes to the city's county every other time.
 */
static int
create_units(struct sim *s)
{
	int cities = s->unit_count / 8, county_turn = 0;
	int64_t root, city_ids[8], county_ids[8];
	char name[256];

	if (cities < 1)
		cities = 1;
	if (cities > 8)
		cities = 8;
	if ((root = root_unit(s)) < 0)
		return -1;
	for (int c = 0; c < cities; c++) {
		if ((city_ids[c] = unit_create(s, city_names[c], root)) < 0)
			return -1;
		snprintf(name, sizeof(name), "%s", county_names[c]);
		if ((county_ids[c] = unit_create(s, name, city_ids[c])) < 0)
			return -1;
	}
	if ((s->units = calloc((size_t)s->unit_count, sizeof(*s->units))) == NULL)
		return -1;
	for (int j = 0; j < s->unit_count; j++) {
		const struct unit_type *t = &unit_types[(j / cities) % UNIT_TYPES];
		int c = j % cities, in_county = t->county && (county_turn++ % 2 == 1);
		int round = j / (cities * (int)UNIT_TYPES);

		if (round == 0)
			snprintf(name, sizeof(name), "%s%s", in_county ? county_names[c] : city_names[c], t->suffix);
		else
			snprintf(name, sizeof(name), "%s%s（%d）", in_county ? county_names[c] : city_names[c],
			    t->suffix, round + 1);
		s->units[j].type = t;
		s->units[j].lagging = j % 6 == 5 || (s->unit_count >= 2 && s->unit_count < 6 && j == 1);
		if ((s->units[j].id = unit_create(s, name, in_county ? county_ids[c] : city_ids[c])) < 0)
			return -1;
	}
	return 0;
}

static int
create_cadres(struct sim *s)
{
	char hash[PASSWORD_HASH_MAX], login[32], name[64];
	sqlite3_stmt *user = NULL, *risk = NULL, *arm = NULL;
	int width = s->cadre_count >= 10000 ? 6 : 4;

	if (password_hash("qingfeng-demo", hash) < 0) {
		fprintf(stderr, "qingfeng-admin: simulate: cannot hash the password\n");
		return -1;
	}
	if ((s->cadres = calloc((size_t)s->cadre_count, sizeof(*s->cadres))) == NULL)
		return -1;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO users(login, password_hash, name, role, unit_id,"
	    " category, industry, created_at) VALUES (?1, ?2, ?3, 'cadre', ?4, ?5, ?6, ?7)",
	    -1, &user, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO user_risks(user_id, tag_code) VALUES (?1, ?2)",
	    -1, &risk, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO arms(user_id, arm, assigned_at) VALUES (?1, ?2, ?3)",
	    -1, &arm, NULL) != SQLITE_OK)
		goto fail;
	for (int i = 0; i < s->cadre_count; i++) {
		struct sim_cadre *c = &s->cadres[i];
		const struct sim_unit *u;
		const char *unit_risks[4];
		size_t n_unit_risks = 0, want;
		double x = rng_uniform(&s->rng);

		c->unit = rng_below(&s->rng, (uint32_t)s->unit_count);
		u = &s->units[c->unit];
		for (c->category = 0; c->category < N_CATEGORIES - 1 && x >= category_cdf[c->category]; c->category++)
			;
		if (tag_exists(s, u->type->industry))
			snprintf(c->industry, sizeof(c->industry), "%s", u->type->industry);
		for (size_t k = 0; k < 4 && u->type->risks[k] != NULL; k++)
			if (risk_index(s, u->type->risks[k]) >= 0)
				unit_risks[n_unit_risks++] = u->type->risks[k];
		want = 1 + rng_below(&s->rng, MAX_CADRE_RISKS);
		if (want > n_unit_risks)
			want = n_unit_risks;
		/* A partial shuffle: the first 'want' of the unit's risks in random order. */
		for (size_t k = 0; k < want; k++) {
			size_t pick = k + rng_below(&s->rng, (uint32_t)(n_unit_risks - k));
			const char *t = unit_risks[k];

			unit_risks[k] = unit_risks[pick];
			unit_risks[pick] = t;
			c->risks |= 1ULL << risk_index(s, unit_risks[k]);
		}
		for (size_t k = 0; k < 2; k++) {
			int d = u->type->focus[k] ? discipline_index(s, u->type->focus[k]) : -1;

			if (d >= 0)
				c->focus |= 1u << d;
		}
		c->control = rng_chance(&s->rng, s->control_share);
		c->activity = (0.75 + 0.25 * rng_uniform(&s->rng)) * (u->lagging ? 0.4 : 1.0);
		c->dropout_month = s->months;
		if (s->months >= 3 && rng_chance(&s->rng, 0.06))
			c->dropout_month = s->months - 1 - (int)rng_below(&s->rng, 2);
		c->prefers_cases = rng_chance(&s->rng, 0.5);
		c->ability = 2.0 + 0.7 * rng_normal(&s->rng) - (u->lagging ? 1.5 : 0.0);
		for (size_t d = 0; d < s->discipline_count; d++) {
			c->skill[d] = 0.6 * rng_normal(&s->rng);
			c->mastery[d] = -1;
		}
		if ((c->done = calloc(s->item_count, 1)) == NULL ||
		    (c->ignored = calloc(s->item_count, 1)) == NULL)
			goto fail;

		snprintf(login, sizeof(login), "sim-%0*d", width, i + 1);
		snprintf(name, sizeof(name), "%s%s", surnames[rng_below(&s->rng, sizeof(surnames) / sizeof(*surnames))],
		    given[rng_below(&s->rng, sizeof(given) / sizeof(*given))]);
		sqlite3_bind_text(user, 1, login, -1, SQLITE_STATIC);
		sqlite3_bind_text(user, 2, hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(user, 3, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(user, 4, u->id);
		sqlite3_bind_text(user, 5, categories[c->category], -1, SQLITE_STATIC);
		if (c->industry[0] != '\0')
			sqlite3_bind_text(user, 6, c->industry, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(user, 6);
		sqlite3_bind_int64(user, 7, s->start - 86400);
		if (sqlite3_step(user) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(user);
		c->id = sqlite3_last_insert_rowid(s->db);
		for (size_t k = 0; k < s->risk_count; k++) {
			if (!(c->risks & (1ULL << k)))
				continue;
			sqlite3_bind_int64(risk, 1, c->id);
			sqlite3_bind_text(risk, 2, s->risk_codes[k], -1, SQLITE_STATIC);
			if (sqlite3_step(risk) != SQLITE_DONE)
				goto fail;
			sqlite3_reset(risk);
		}
		sqlite3_bind_int64(arm, 1, c->id);
		sqlite3_bind_text(arm, 2, c->control ? "control" : "personalised", -1, SQLITE_STATIC);
		sqlite3_bind_int64(arm, 3, s->start - 86400);
		if (sqlite3_step(arm) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(arm);
	}
	sqlite3_finalize(user);
	sqlite3_finalize(risk);
	sqlite3_finalize(arm);
	return 0;
fail:
	db_error(s, "cadres");
	sqlite3_finalize(user);
	sqlite3_finalize(risk);
	sqlite3_finalize(arm);
	return -1;
}

/* ------------------------------------------------------------- behaviour */

static double
item_fit(const struct sim *s, const struct sim_cadre *c, const struct sim_item *it)
{
	double fit = 0;

	(void)s;
	if (it->risks & c->risks)
		fit += 2.0;
	if (it->category_scope & (1u << c->category))
		fit += 0.35;
	if (c->industry[0] != '\0' && strcmp(it->industry, c->industry) == 0)
		fit += 0.8;
	if (it->disciplines & c->focus)
		fit += 0.3;
	if (it->is_case == c->prefers_cases)
		fit += 0.2;
	return fit;
}

static int
in_scope(const struct sim_item *it, int category)
{
	return it->category_scope == 0 || (it->category_scope & (1u << category));
}

static int
weak(const struct sim_cadre *c, int d)
{
	return d >= 0 && c->mastery_answers[d] >= LEARNER_WEAK_MIN_ANSWERS &&
	    c->mastery[d] < LEARNER_WEAK_MASTERY;
}

/* The first risk of the cadre the item is tagged with (index), -1 none. */
static int
first_risk(const struct sim_cadre *c, const struct sim_item *it)
{
	uint64_t both = c->risks & it->risks;

	for (int k = 0; k < 64; k++)
		if (both & (1ULL << k))
			return k;
	return -1;
}

/* Up to FEED_SIZE items for the cadre's feed into 'order'; returns how many. */
static size_t
rank_feed(struct sim *s, const struct sim_cadre *c, size_t limit, size_t *order)
{
	const uint32_t *pop = s->popular_now[c->category];
	const uint32_t *business = s->business_now[s->units[c->unit].type - unit_types];
	double *score = calloc(s->item_count, sizeof(double));
	unsigned char *picked = calloc(s->item_count, 1);
	size_t count = 0;

	if (score == NULL || picked == NULL) {
		free(score);
		free(picked);
		return 0;
	}
	for (size_t i = 0; i < s->item_count; i++)
		picked[i] = c->done[i] != 0 || !in_scope(&s->items[i], c->category);
	if (c->control) {
		for (size_t i = 0; i < s->item_count; i++)
			score[i] = pop[i];
	} else {
		double sum = 0, sq = 0, mean, sd;
		size_t n = 0;

		/*
		 * The model's score, standardised over the candidates as feed.c
		 * does, is stood in for by what cadres of the same business
		 * completed: what a factor model learns from co-completions.
		 */
		for (size_t i = 0; i < s->item_count; i++)
			if (c->done[i] == 0) {
				score[i] = log1p(business[i]);
				sum += score[i];
				n++;
			}
		mean = n ? sum / n : 0;
		for (size_t i = 0; i < s->item_count; i++)
			if (c->done[i] == 0)
				sq += (score[i] - mean) * (score[i] - mean);
		sd = n ? sqrt(sq / n) : 0;
		for (size_t i = 0; i < s->item_count; i++) {
			const struct sim_item *it = &s->items[i];

			score[i] = sd > 1e-9 ? (score[i] - mean) / sd : 0;
			score[i] += (it->risks & c->risks ? BOOST_RISK : 0) +
			    (weak(c, it->discipline) ? BOOST_WEAK : 0) +
			    (it->category_scope & (1u << c->category) ? BOOST_CATEGORY : 0) +
			    (c->industry[0] && strcmp(it->industry, c->industry) == 0 ? BOOST_INDUSTRY : 0);
		}
	}
	while (count < limit) {
		size_t best = (size_t)-1;
		double best_score = -INFINITY;

		for (size_t i = 0; i < s->item_count; i++) {
			const struct sim_item *it = &s->items[i];
			double v = score[i];

			if (picked[i])
				continue;
			if (!c->control) {
				int risk = first_risk(c, it);

				for (size_t j = 0; j < count; j++) {
					const struct sim_item *q = &s->items[order[j]];

					if (risk >= 0 && first_risk(c, q) == risk)
						v -= PENALTY_SAME_RISK;
					if (it->discipline >= 0 && it->discipline == q->discipline)
						v -= PENALTY_SAME_DISCIPLINE;
					if (it->form[0] && strcmp(it->form, q->form) == 0)
						v -= PENALTY_SAME_FORM;
				}
			}
			/* Ties go to the lower id: the items are in id order. */
			if (v > best_score) {
				best = i;
				best_score = v;
			}
		}
		if (best == (size_t)-1)
			break;
		picked[best] = 1;
		order[count++] = best;
	}
	free(score);
	free(picked);
	return count;
}

static int
event(struct sim *s, const struct sim_cadre *c, const struct sim_item *it, const char *kind,
    double value, int position, int64_t at)
{
	sqlite3_stmt *st = s->insert_event;

	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_int64(st, 2, it->id);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	if (value >= 0)
		sqlite3_bind_double(st, 4, value);
	else
		sqlite3_bind_null(st, 4);
	if (position >= 0)
		sqlite3_bind_int(st, 5, position);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_text(st, 6, c->control ? "control" : "personalised", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, at);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return db_error(s, "event");
	}
	sqlite3_reset(st);
	s->events++;
	return 0;
}

static int
answer(struct sim *s, struct sim_cadre *c, int64_t question_id, int discipline, double difficulty,
    const char *right, const char *wrong, int64_t at)
{
	struct learner_answer_outcome out;
	struct qf_error err;
	double skill = discipline >= 0 ? c->skill[discipline] : 0;
	int correct = rng_chance(&s->rng, mastery_sigmoid(c->ability + skill - difficulty));

	qf_error_init(&err);
	if (learner_answer_record(s->db, c->id, question_id, correct ? right : wrong, correct, NULL, at,
	    &out, &err) != LEARNER_OK) {
		fprintf(stderr, "qingfeng-admin: simulate: answer: %s\n", err.text);
		return -1;
	}
	s->answers++;
	for (size_t i = 0; i < out.discipline_count; i++) {
		int d = discipline_index(s, out.disciplines[i].code);

		if (d >= 0) {
			c->mastery[d] = out.disciplines[i].value;
			c->mastery_answers[d] = (int)out.disciplines[i].answers;
		}
	}
	if (!correct && discipline >= 0)
		c->skill[discipline] += 0.15;
	return 0;
}

/* The item and question of question 'id', for a review; NULL when not in the library. */
static const struct sim_question *
find_question(const struct sim *s, int64_t id, const struct sim_item **item)
{
	for (size_t i = 0; i < s->item_count; i++)
		for (size_t q = 0; q < s->items[i].question_count; q++)
			if (s->items[i].questions[q].id == id) {
				*item = &s->items[i];
				return &s->items[i].questions[q];
			}
	return NULL;
}

/* One visit to the feed at 'at'; sets '*opened' when something was opened. */
static int
session(struct sim *s, struct sim_cadre *c, int64_t at, int force_open, int *opened)
{
	size_t order[FEED_SIZE], n;
	int64_t t = at;

	/* Due reviews first: the personalised feed slots them in. */
	if (!c->control) {
		struct learner_review *due = NULL;
		size_t count = 0;
		struct qf_error err;

		qf_error_init(&err);
		if (learner_reviews_due(s->db, c->id, at, REVIEWS_PER_FEED, &due, &count, &err) < 0) {
			fprintf(stderr, "qingfeng-admin: simulate: reviews: %s\n", err.text);
			return -1;
		}
		for (size_t i = 0; i < count; i++) {
			const struct sim_item *it;
			const struct sim_question *q = find_question(s, due[i].question_id, &it);

			if (q != NULL && answer(s, c, q->id, it->discipline, q->difficulty, q->right, q->wrong,
			    t += 40) < 0) {
				free(due);
				return -1;
			}
		}
		free(due);
	}
	n = rank_feed(s, c, FEED_SIZE, order);
	for (size_t p = 0; p < n; p++)
		if (event(s, c, &s->items[order[p]], "impression", -1, (int)p, at) < 0)
			return -1;
	t = at + 20;
	for (size_t p = 0; p < n; p++) {
		size_t i = order[p];
		struct sim_item *it = &s->items[i];
		double fit = item_fit(s, c, it);
		/* A card whose reason names the cadre's post gets read: the personalised feed says why. */
		int reasoned = !c->control && ((it->risks & c->risks) || weak(c, it->discipline) ||
		    (c->industry[0] && strcmp(it->industry, c->industry) == 0));
		int open = rng_chance(&s->rng, fmin(0.95, c->activity * fmin(0.9, 0.04 * exp(1.2 * fit)) /
		    (1 + 0.1 * (double)p) * pow(0.6, c->ignored[i]) * (reasoned ? 1.6 : 1.0)));

		if (!open && force_open && p == n - 1 && !*opened)
			open = 1;
		if (!open) {
			if (c->ignored[i] < 255)
				c->ignored[i]++;
			if (rng_chance(&s->rng, fit > 0 ? 0.01 : 0.04)) {
				if (event(s, c, it, "dismiss", -1, -1, t += 5) < 0)
					return -1;
				c->done[i] = 2;
			}
			continue;
		}
		*opened = 1;
		if (event(s, c, it, "open", -1, -1, t += 15) < 0)
			return -1;
		if (rng_chance(&s->rng, fmin(0.95, 0.3 * (1 + fit)))) {
			if (event(s, c, it, "progress", 0.5, -1, t += it->minutes * 30) < 0 ||
			    event(s, c, it, "progress", 1.0, -1, t += it->minutes * 30) < 0 ||
			    event(s, c, it, "complete", -1, -1, t += 5) < 0)
				return -1;
			c->done[i] = 1;
			s->popular[c->category][i]++;
			s->business[s->units[c->unit].type - unit_types][i]++;
			for (size_t q = 0; q < it->question_count; q++)
				if (answer(s, c, it->questions[q].id, it->discipline, it->questions[q].difficulty,
				    it->questions[q].right, it->questions[q].wrong, t += 30) < 0)
					return -1;
		} else {
			double share = 0.1 + 0.7 * rng_uniform(&s->rng);

			if (event(s, c, it, "progress", floor(share * 100) / 100, -1,
			    t += (int64_t)(it->minutes * 60 * share)) < 0)
				return -1;
		}
	}
	return 0;
}

static int
compare_times(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int
simulate_month(struct sim *s, int month)
{
	int64_t begin = s->start + (int64_t)month * MONTH_S;

	for (int k = 0; k < N_CATEGORIES; k++)
		memcpy(s->popular_now[k], s->popular[k], s->item_count * sizeof(uint32_t));
	for (size_t k = 0; k < UNIT_TYPES; k++)
		memcpy(s->business_now[k], s->business[k], s->item_count * sizeof(uint32_t));
	for (int i = 0; i < s->cadre_count; i++) {
		struct sim_cadre *c = &s->cadres[i];
		int64_t times[4];
		int sessions, opened = 0;

		if (month >= c->dropout_month || !rng_chance(&s->rng, c->activity))
			continue;
		sessions = 1 + (int)rng_below(&s->rng, 4);
		/* Whole minutes, the last session at least a day before the month ends. */
		for (int k = 0; k < sessions; k++)
			times[k] = begin + 60 * (int64_t)rng_below(&s->rng, (MONTH_S - 86400) / 60);
		qsort(times, (size_t)sessions, sizeof(*times), compare_times);
		for (int k = 0; k < sessions; k++)
			if (session(s, c, times[k], k == sessions - 1, &opened) < 0)
				return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ run */

static void
sim_free(struct sim *s)
{
	for (size_t i = 0; i < s->risk_count; i++)
		free(s->risk_codes[i]);
	for (size_t i = 0; i < s->discipline_count; i++)
		free(s->discipline_codes[i]);
	for (size_t i = 0; i < s->item_count; i++) {
		for (size_t q = 0; q < s->items[i].question_count; q++) {
			free(s->items[i].questions[q].right);
			free(s->items[i].questions[q].wrong);
		}
		free(s->items[i].questions);
	}
	free(s->items);
	if (s->cadres != NULL)
		for (int i = 0; i < s->cadre_count; i++)
		{
			free(s->cadres[i].done);
			free(s->cadres[i].ignored);
		}
	free(s->cadres);
	free(s->units);
	for (int k = 0; k < N_CATEGORIES; k++) {
		free(s->popular[k]);
		free(s->popular_now[k]);
	}
	for (size_t k = 0; k < UNIT_TYPES; k++) {
		free(s->business[k]);
		free(s->business_now[k]);
	}
	sqlite3_finalize(s->insert_event);
}

int
simulate_done(sqlite3 *db)
{
	sqlite3_stmt *stmt;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM settings WHERE key = 'simulation'", -1, &stmt,
	    NULL) == SQLITE_OK)
		found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return found;
}

int
simulate_run(sqlite3 *db, const struct simulate_options *o)
{
	struct sim s;
	sqlite3_stmt *stmt = NULL;
	char detail[256];
	int status = 1;

	memset(&s, 0, sizeof(s));
	s.db = db;
	s.seed = o->seed;
	s.cadre_count = o->cadres;
	s.months = o->months;
	s.unit_count = o->units;
	s.now = o->now;
	s.start = s.now - (int64_t)s.months * MONTH_S;
	s.control_share = 0.1;
	rng_seed(&s.rng, o->seed);

	if (simulate_done(db)) {
		fprintf(stderr, "qingfeng-admin: simulate: this database already holds a simulated cohort\n");
		return 1;
	}
	if (sqlite3_prepare_v2(db, "SELECT value FROM settings WHERE key = 'control_share'",
	    -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		s.control_share = sqlite3_column_double(stmt, 0);
	sqlite3_finalize(stmt);
	stmt = NULL;

	/* A page cache big enough for the whole cohort: answers read back what they wrote. */
	db_exec(db, "PRAGMA cache_size=-262144", NULL);
	if (db_exec(db, "BEGIN IMMEDIATE", NULL) < 0) {
		db_error(&s, "begin");
		goto out;
	}
	if (load_library(&s) < 0 || create_units(&s) < 0 || create_cadres(&s) < 0)
		goto rollback;
	for (int k = 0; k < N_CATEGORIES; k++)
		if ((s.popular[k] = calloc(s.item_count, sizeof(uint32_t))) == NULL ||
		    (s.popular_now[k] = calloc(s.item_count, sizeof(uint32_t))) == NULL)
			goto rollback;
	for (size_t k = 0; k < UNIT_TYPES; k++)
		if ((s.business[k] = calloc(s.item_count, sizeof(uint32_t))) == NULL ||
		    (s.business_now[k] = calloc(s.item_count, sizeof(uint32_t))) == NULL)
			goto rollback;
	if (sqlite3_prepare_v2(db, "INSERT INTO events(user_id, item_id, kind, value, position,"
	    " model_version, arm, created_at) VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7)",
	    -1, &s.insert_event, NULL) != SQLITE_OK) {
		db_error(&s, "events");
		goto rollback;
	}
	/* One transaction per month: the first also holds the units and cadres. */
	for (int m = 0; m < s.months; m++) {
		if (m > 0 && db_exec(db, "BEGIN IMMEDIATE", NULL) < 0) {
			db_error(&s, "begin");
			goto out;
		}
		if (simulate_month(&s, m) < 0)
			goto rollback;
		if (m == s.months - 1) {
			snprintf(detail, sizeof(detail), "{\"seed\":%llu,\"cadres\":%d,\"months\":%d,"
			    "\"units\":%d,\"now\":%lld}", (unsigned long long)s.seed, s.cadre_count,
			    s.months, s.unit_count, (long long)s.now);
			if (sqlite3_prepare_v2(db, "INSERT INTO settings(key, value) VALUES ('simulation', ?1)",
			    -1, &stmt, NULL) != SQLITE_OK)
				goto db_fail;
			sqlite3_bind_text(stmt, 1, detail, -1, SQLITE_STATIC);
			if (sqlite3_step(stmt) != SQLITE_DONE)
				goto db_fail;
			sqlite3_finalize(stmt);
			if (sqlite3_prepare_v2(db, "INSERT INTO audit_log(actor_role, action, detail)"
			    " VALUES ('cli', 'simulate', ?1)", -1, &stmt, NULL) != SQLITE_OK)
				goto db_fail;
			sqlite3_bind_text(stmt, 1, detail, -1, SQLITE_STATIC);
			if (sqlite3_step(stmt) != SQLITE_DONE)
				goto db_fail;
			sqlite3_finalize(stmt);
			stmt = NULL;
		}
		if (db_exec(db, "COMMIT", NULL) < 0)
			goto db_fail;
	}
	printf("simulated %d cadres in %d units over %d months (seed %llu): %lld events, %lld answers\n",
	    s.cadre_count, s.unit_count, s.months, (unsigned long long)s.seed,
	    (long long)s.events, (long long)s.answers);
	status = 0;
	goto out;
db_fail:
	db_error(&s, "write");
rollback:
	db_exec(db, "ROLLBACK", NULL);
	fprintf(stderr, "qingfeng-admin: simulate: stopped; months already committed stay\n");
out:
	sqlite3_finalize(stmt);
	sim_free(&s);
	return status;
}

void
simulate_defaults(struct simulate_options *o)
{
	o->seed = 1;
	o->cadres = 300;
	o->months = 6;
	o->units = 24;
	o->now = learner_day_start(clock_unix_s());
}

static int
parse_number(const char *text, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
simulate_usage(const char *what, const char *arg)
{
	fprintf(stderr, "qingfeng-admin: simulate: ");
	fprintf(stderr, what, arg);
	fprintf(stderr, "\nusage: qingfeng-admin --db PATH simulate [--seed S] [--cadres N] [--months M]"
	    " [--units U] [--now UNIX]\n");
	return EXIT_USAGE;
}

int
cmd_simulate(sqlite3 *db, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "cadres", required_argument, NULL, 'c' },
		{ "months", required_argument, NULL, 'm' },
		{ "units", required_argument, NULL, 'u' },
		{ "now", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct simulate_options o;
	long long v;
	int c;

	simulate_defaults(&o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_number(optarg, 0, INT64_MAX, &v) < 0)
				return simulate_usage("--seed takes a whole number >= 0, not '%s'", optarg);
			o.seed = (uint64_t)v;
			break;
		case 'c':
			if (parse_number(optarg, 1, 200000, &v) < 0)
				return simulate_usage("--cadres takes 1 to 200000, not '%s'", optarg);
			o.cadres = (int)v;
			break;
		case 'm':
			if (parse_number(optarg, 1, 36, &v) < 0)
				return simulate_usage("--months takes 1 to 36, not '%s'", optarg);
			o.months = (int)v;
			break;
		case 'u':
			if (parse_number(optarg, 1, 1000, &v) < 0)
				return simulate_usage("--units takes 1 to 1000, not '%s'", optarg);
			o.units = (int)v;
			break;
		case 'n':
			if (parse_number(optarg, 100000000, 99999999999LL, &v) < 0)
				return simulate_usage("--now takes unix seconds, not '%s'", optarg);
			o.now = v;
			break;
		default:
			return simulate_usage("unknown option%s", "");
		}
	}
	if (optind != argc)
		return simulate_usage("unexpected argument '%s'", argv[optind]);
	return simulate_run(db, &o);
}
