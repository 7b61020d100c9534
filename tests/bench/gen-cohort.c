/*
 * gen-cohort.c — the feed benchmark's database (tests/bench/feed-bench.sh):
 * not a test. Fills a database already created and migrated by
 * `qingfeng-admin init` with
 *   - tags: disciplines, risks, forms, categories, industries;
 *   - USERS cadres (default 100,000) in 100 units, each with a category, an
 *     industry and one or two risk exposures;
 *   - ITEMS published items (default 2,000) tagged with a discipline, a
 *     form, one or two risks and sometimes an industry or a target category;
 *   - EVENTS events (default 5,000,000) over the past year: impressions,
 *     opens, progress and completions, with planted structure (a cadre
 *     mostly meets items of their risk exposures and completes those far
 *     more often than others);
 *   - sessions for the first SESSIONS cadres, written to SESSIONS_FILE as
 *     "token csrf" lines (the token is stored as its BLAKE2b hash, as
 *     fcgi/session.c does).
 * Direct inserts with prepared statements in big transactions;
 * synchronous=OFF here only (the app keeps FULL).
 *
 *   gen-cohort DB SESSIONS_FILE SESSIONS [USERS ITEMS EVENTS [SEED]]
 *   gen-cohort --sessions DB SESSIONS_FILE SESSIONS   (new sessions only)
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <sqlite3.h>

#define DAY 86400
#define N_DISC 6
#define N_RISK 12
#define N_FORM 3
#define N_CAT 4
#define N_IND 6

static const char *const disciplines[N_DISC][2] = {
	{ "discipline.political", "政治纪律" }, { "discipline.organisational", "组织纪律" },
	{ "discipline.integrity", "廉洁纪律" }, { "discipline.mass", "群众纪律" },
	{ "discipline.work", "工作纪律" }, { "discipline.life", "生活纪律" },
};
static const char *const risks[N_RISK][2] = {
	{ "risk.tendering", "招投标" }, { "risk.credit_approval", "信贷审批" },
	{ "risk.medical_procurement", "医药采购" }, { "risk.land", "土地出让" },
	{ "risk.licensing", "行政审批" }, { "risk.finance", "财务报销" },
	{ "risk.personnel", "选人用人" }, { "risk.subsidy", "补贴发放" },
	{ "risk.enforcement", "执法检查" }, { "risk.gifts", "收受礼金" },
	{ "risk.banquets", "违规吃喝" }, { "risk.vehicles", "公车使用" },
};
static const char *const forms[N_FORM][2] = {
	{ "form.case", "案例剖析" }, { "form.video", "视频微课" }, { "form.text", "图文" },
};
static const char *const categories[N_CAT] = { "leading", "middle", "grassroots", "new_hire" };
static const char *const category_labels[N_CAT] = { "领导干部", "中层干部", "基层干部", "新入职干部" };
static const char *const industries[N_IND][2] = {
	{ "industry.construction", "建筑工程" }, { "industry.finance", "金融" },
	{ "industry.health", "医疗卫生" }, { "industry.energy", "能源" },
	{ "industry.education", "教育" }, { "industry.transport", "交通运输" },
};

static sqlite3 *db;
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int
rnd(int n)
{
	return (int)(rng() % (uint64_t)n);
}

static double
rnd01(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static void
die(const char *what)
{
	fprintf(stderr, "gen-cohort: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

static void
exec(const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql);
}

static sqlite3_stmt *
prepare(const char *sql)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		die(sql);
	return s;
}

static void
step(sqlite3_stmt *s)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		die(sqlite3_sql(s));
	sqlite3_reset(s);
}

static void
tag(sqlite3_stmt *s, const char *code, const char *kind, const char *label)
{
	sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, label, -1, SQLITE_STATIC);
	step(s);
}

/* Per item: its risks (for the planted structure). */
struct item {
	int risk[2];
	int nrisk;
};

int
main(int argc, char **argv)
{
	int sessions, users = 100000, n_items = 2000, only_sessions = 0;
	long long events = 5000000, written = 0;
	int64_t now = (int64_t)time(NULL);
	struct item *items;
	int **by_risk, *by_risk_n;
	sqlite3_stmt *s, *ev, *ur;
	FILE *out;

	if (argc == 5 && strcmp(argv[1], "--sessions") == 0) {
		/* Fresh sessions only, for a rerun on a database already built. */
		only_sessions = 1;
		argv++;
		argc--;
	}
	if (argc != 4 && argc != 7 && argc != 8) {
		fprintf(stderr, "usage: gen-cohort DB SESSIONS_FILE SESSIONS [USERS ITEMS EVENTS [SEED]]\n");
		return 2;
	}
	sessions = atoi(argv[3]);
	if (argc >= 7) {
		users = atoi(argv[4]);
		n_items = atoi(argv[5]);
		events = atoll(argv[6]);
	}
	if (argc == 8)
		rng_state ^= strtoull(argv[7], NULL, 10) * 0x9E3779B97F4A7C15ULL;
	if (only_sessions) {
		sqlite3_stmt *count;

		if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
			die("open");
		count = prepare("SELECT count(*) FROM users WHERE id > 100000");
		if (sqlite3_step(count) == SQLITE_ROW)
			users = sqlite3_column_int(count, 0);
		sqlite3_finalize(count);
		sqlite3_close(db);
	}
	if (users < 1 || n_items < 10 || events < 0 || sessions < 0 || sessions > users) {
		fprintf(stderr, "gen-cohort: bad sizes\n");
		return 2;
	}
	if (sodium_init() < 0 || sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "gen-cohort: cannot open %s\n", argv[1]);
		return 1;
	}
	if ((out = fopen(argv[2], "w")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;"
	    " PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY");
	exec("BEGIN");
	if (only_sessions) {
		exec("DELETE FROM sessions WHERE user_id > 100000");
		goto sessions;
	}

	s = prepare("INSERT OR IGNORE INTO tags(code, kind, label) VALUES (?1, ?2, ?3)");
	for (int i = 0; i < N_DISC; i++)
		tag(s, disciplines[i][0], "discipline", disciplines[i][1]);
	for (int i = 0; i < N_RISK; i++)
		tag(s, risks[i][0], "risk", risks[i][1]);
	for (int i = 0; i < N_FORM; i++)
		tag(s, forms[i][0], "form", forms[i][1]);
	for (int i = 0; i < N_IND; i++)
		tag(s, industries[i][0], "industry", industries[i][1]);
	for (int i = 0; i < N_CAT; i++) {
		char code[32];

		snprintf(code, sizeof(code), "category.%s", categories[i]);
		tag(s, code, "category", category_labels[i]);
	}
	sqlite3_finalize(s);

	s = prepare("INSERT INTO units(id, name) VALUES (?1, ?2)");
	for (int i = 1; i <= 100; i++) {
		char name[64];

		snprintf(name, sizeof(name), "单位%d", i);
		sqlite3_bind_int(s, 1, 1000 + i);
		sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
		step(s);
	}
	sqlite3_finalize(s);

	/* Items: ids 100001.. so they never collide with the demo's. */
	items = calloc((size_t)n_items, sizeof(*items));
	by_risk = calloc(N_RISK, sizeof(*by_risk));
	by_risk_n = calloc(N_RISK, sizeof(*by_risk_n));
	for (int r = 0; r < N_RISK; r++)
		by_risk[r] = calloc((size_t)n_items, sizeof(int));
	s = prepare("INSERT INTO items(id, kind, status, title, summary, body_md, minutes, difficulty,"
	    " published_at, created_at, updated_at) VALUES (?1, ?2, 'published', ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?8)");
	{
		sqlite3_stmt *it = prepare("INSERT OR IGNORE INTO item_tags(item_id, tag_code) VALUES (?1, ?2)");

		for (int i = 0; i < n_items; i++) {
			char title[128], summary[256];
			int64_t id = 100001 + i;
			/* 3% fresh (within 14 days), the rest over the past year. */
			int64_t published = rnd(100) < 3 ? now - rnd(13 * DAY) : now - 15 * DAY - rnd(350 * DAY);

			snprintf(title, sizeof(title), "%s典型案例第%d号", risks[i % N_RISK][1], i + 1);
			snprintf(summary, sizeof(summary), "围绕%s的警示教育材料（第%d篇），剖析问题成因与整改措施。",
			    risks[i % N_RISK][1], i + 1);
			sqlite3_bind_int64(s, 1, id);
			sqlite3_bind_text(s, 2, rnd(2) ? "case" : "lesson", -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 3, title, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(s, 4, summary, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(s, 5, summary, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int(s, 6, 3 + rnd(28));
			sqlite3_bind_int(s, 7, 1 + rnd(5));
			sqlite3_bind_int64(s, 8, published);
			step(s);
			items[i].risk[0] = i % N_RISK;
			items[i].nrisk = 1;
			if (rnd(3) == 0) {
				int r2 = rnd(N_RISK);

				if (r2 != items[i].risk[0])
					items[i].risk[items[i].nrisk++] = r2;
			}
			sqlite3_bind_int64(it, 1, id);
			for (int r = 0; r < items[i].nrisk; r++) {
				by_risk[items[i].risk[r]][by_risk_n[items[i].risk[r]]++] = i;
				sqlite3_bind_text(it, 2, risks[items[i].risk[r]][0], -1, SQLITE_STATIC);
				step(it);
			}
			sqlite3_bind_text(it, 2, disciplines[rnd(N_DISC)][0], -1, SQLITE_STATIC);
			step(it);
			sqlite3_bind_text(it, 2, forms[rnd(N_FORM)][0], -1, SQLITE_STATIC);
			step(it);
			if (rnd(10) < 3) {
				sqlite3_bind_text(it, 2, industries[rnd(N_IND)][0], -1, SQLITE_STATIC);
				step(it);
			}
			if (rnd(10) == 0) {
				char code[32];

				snprintf(code, sizeof(code), "category.%s", categories[rnd(N_CAT)]);
				sqlite3_bind_text(it, 2, code, -1, SQLITE_TRANSIENT);
				step(it);
			}
		}
		sqlite3_finalize(it);
	}
	sqlite3_finalize(s);
	exec("COMMIT; BEGIN");

	/* Cadres, ids 100001..; their events as we go. */
	s = prepare("INSERT INTO users(id, login, password_hash, name, role, unit_id, category, industry,"
	    " created_at) VALUES (?1, ?2, 'bench-no-login', ?3, 'cadre', ?4, ?5, ?6, ?7)");
	ur = prepare("INSERT OR IGNORE INTO user_risks(user_id, tag_code) VALUES (?1, ?2)");
	ev = prepare("INSERT INTO events(user_id, item_id, kind, value, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
	for (int u = 0; u < users; u++) {
		int64_t id = 100001 + u;
		char login[32], name[32];
		int myrisk[2], nmy = 1;
		long long budget = (events * (u + 1)) / users - (events * u) / users;

		snprintf(login, sizeof(login), "bench%06d", u);
		snprintf(name, sizeof(name), "干部%06d", u);
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, login, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(s, 4, 1001 + rnd(100));
		sqlite3_bind_text(s, 5, categories[rnd(N_CAT)], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, industries[rnd(N_IND)][0], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 7, now - 400 * DAY);
		step(s);
		myrisk[0] = rnd(N_RISK);
		if (rnd(2) == 0 && (myrisk[1] = rnd(N_RISK)) != myrisk[0])
			nmy = 2;
		sqlite3_bind_int64(ur, 1, id);
		for (int r = 0; r < nmy; r++) {
			sqlite3_bind_text(ur, 2, risks[myrisk[r]][0], -1, SQLITE_STATIC);
			step(ur);
		}

		/* Interactions with items until the cadre's share of events is spent. */
		sqlite3_bind_int64(ev, 1, id);
		while (budget > 0) {
			int own = rnd(100) < 60, r = myrisk[rnd(nmy)];
			int item = own && by_risk_n[r] > 0 ? by_risk[r][rnd(by_risk_n[r])] : rnd(n_items);
			int match = 0;
			int64_t t = now - 2 * DAY - rnd(363 * DAY);

			for (int k = 0; k < items[item].nrisk; k++)
				for (int m = 0; m < nmy; m++)
					match |= items[item].risk[k] == myrisk[m];
			sqlite3_bind_int64(ev, 2, 100001 + item);
#define EVENT(kind, value) do {                                              \
		sqlite3_bind_text(ev, 3, kind, -1, SQLITE_STATIC);           \
		if ((value) < 0) sqlite3_bind_null(ev, 4);                   \
		else sqlite3_bind_double(ev, 4, (value));                    \
		sqlite3_bind_int64(ev, 5, t);                                \
		step(ev);                                                    \
		t += 30 + rnd(600);                                          \
		budget--;                                                    \
		written++;                                                   \
	} while (0)
			EVENT("impression", -1.0);
			if (budget > 0 && rnd(2) == 0)
				EVENT("impression", -1.0);
			if (budget > 0 && rnd(100) < (match ? 80 : 40)) {
				EVENT("open", -1.0);
				if (budget > 0 && rnd(100) < 60)
					EVENT("progress", 0.2 + 0.7 * rnd01());
				if (budget > 0 && rnd01() < (match ? 0.7 : 0.2))
					EVENT("complete", -1.0);
			}
#undef EVENT
		}
		if (u % 20000 == 19999) {
			exec("COMMIT; BEGIN");
			fprintf(stderr, "gen-cohort: %d cadres, %lld events\n", u + 1, written);
		}
	}
	sqlite3_finalize(s);
	sqlite3_finalize(ur);
	sqlite3_finalize(ev);

	/* Sessions for the first SESSIONS cadres. */
sessions:
	s = prepare("INSERT INTO sessions(token_hash, user_id, csrf_token, created_at, last_seen_at,"
	    " expires_at, address) VALUES (?1, ?2, ?3, ?4, ?4, ?5, '127.0.0.1')");
	for (int u = 0; u < sessions; u++) {
		unsigned char raw[32], csrf_raw[32], hash[crypto_generichash_BYTES];
		char token[64], csrf[65];

		randombytes_buf(raw, sizeof(raw));
		randombytes_buf(csrf_raw, sizeof(csrf_raw));
		sodium_bin2base64(token, sizeof(token), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		sodium_bin2hex(csrf, sizeof(csrf), csrf_raw, sizeof(csrf_raw));
		crypto_generichash(hash, sizeof(hash), (const unsigned char *)token, strlen(token), NULL, 0);
		sqlite3_bind_blob(s, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, 100001 + u);
		sqlite3_bind_text(s, 3, csrf, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 4, now);
		sqlite3_bind_int64(s, 5, now + 12 * 3600);
		step(s);
		fprintf(out, "%s %s\n", token, csrf);
	}
	sqlite3_finalize(s);
	exec("COMMIT");
	exec("PRAGMA wal_checkpoint(TRUNCATE)");
	if (!only_sessions)
		fprintf(stderr, "gen-cohort: %d cadres, %d items, %lld events, %d sessions\n",
		    users, n_items, written, sessions);
	if (fclose(out) != 0)
		return 1;
	sqlite3_close(db);
	return 0;
}
