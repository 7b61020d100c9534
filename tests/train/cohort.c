/*
 * cohort.c — the synthetic cohort database and the helpers of cohort.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/train/cohort.h"

static const char *const group_risk[COHORT_GROUPS] = {
	"risk.tendering", "risk.credit_approval", "risk.medical_procurement"
};
static const char *const group_industry[COHORT_GROUPS] = {
	"industry.construction", "industry.finance", "industry.health"
};
static const char *const disciplines[] = {
	"discipline.political", "discipline.organisational",
	"discipline.integrity", "discipline.mass", "discipline.work",
	"discipline.life", "discipline.family"
};
#define N_DISCIPLINES ((int)(sizeof(disciplines) / sizeof(disciplines[0])))
static const char *const categories[] = {
	"leading", "middle", "grassroots", "new_hire"
};

void
cohort_options_default(struct cohort_options *o)
{
	o->users_per_group = 40;
	o->items_per_group = 20;
	o->general_items = 8;
	o->interactions = 12;
	o->own_share = 0.8;
	o->seed = 1;
}

const char *
cohort_group_risk(int g)
{
	return group_risk[g];
}

static void
die(const char *what, sqlite3 *db)
{
	fprintf(stderr, "cohort: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
	exit(99);
}

static uint32_t
next_random(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*state >> 33);
}

/* Uniform in [0, 1). */
static double
uniform(uint64_t *state)
{
	return (double)next_random(state) / 2147483648.0;
}

/* A skewed pick in [0, n): the low indices are the popular ones. */
static int
skewed(uint64_t *state, int n)
{
	double u = uniform(state);

	return (int)((double)n * u * u);
}

static sqlite3_stmt *
prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		die(sql, db);
	return stmt;
}

static void
step_reset(sqlite3 *db, sqlite3_stmt *stmt)
{
	if (sqlite3_step(stmt) != SQLITE_DONE)
		die("insert", db);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

static void
exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql, db);
}

/* An event row; 'value' < 0 for none. */
static void
add_event(sqlite3 *db, sqlite3_stmt *stmt, int64_t user, int64_t item,
    const char *kind, double value, int64_t at)
{
	sqlite3_bind_int64(stmt, 1, user);
	sqlite3_bind_int64(stmt, 2, item);
	sqlite3_bind_text(stmt, 3, kind, -1, SQLITE_STATIC);
	if (value >= 0)
		sqlite3_bind_double(stmt, 4, value);
	sqlite3_bind_int64(stmt, 5, at);
	step_reset(db, stmt);
}

/* One interaction: open, maybe progress, maybe complete, minutes apart. */
static void
interact(sqlite3 *db, sqlite3_stmt *ev, uint64_t *rng, int64_t user,
    int64_t item, int64_t at)
{
	add_event(db, ev, user, item, "impression", -1, at - 60);
	add_event(db, ev, user, item, "open", -1, at);
	if (uniform(rng) < 0.6)
		add_event(db, ev, user, item, "progress",
		    0.2 + 0.8 * uniform(rng), at + 120);
	if (uniform(rng) < 0.6)
		add_event(db, ev, user, item, "complete", -1, at + 300);
}

/* Item ids: group g's j-th is 1000 g + j + 1; general 9000 + j + 1. */
static int64_t
group_item(int g, int j)
{
	return 1000 * (int64_t)g + j + 1;
}

void
cohort_build(const char *path, const struct cohort_options *opt,
    int with_events)
{
	struct cohort_options o;
	struct qf_error err;
	sqlite3_stmt *tag, *user, *risk, *item, *item_tag, *ev, *mastery;
	uint64_t rng;
	int64_t uid, iid, at;
	int g, u, j, n, pick, d;
	char login[32];
	sqlite3 *db;

	if (opt == NULL)
		cohort_options_default(&o);
	else
		o = *opt;
	rng = o.seed * 0x9e3779b97f4a7c15ULL + 7;
	qf_error_init(&err);
	if ((db = db_open(path, DB_OPEN_CREATE, &err)) == NULL ||
	    db_migrate(db, &err) < 0) {
		fprintf(stderr, "cohort: %s\n", err.text);
		exit(99);
	}
	exec(db, "BEGIN");
	exec(db, "INSERT INTO units(id, name) VALUES (1, '测试单位')");
	tag = prepare(db, "INSERT INTO tags(code, kind, label) VALUES (?1, ?2, ?1)");
	for (g = 0; g < COHORT_GROUPS; g++) {
		sqlite3_bind_text(tag, 1, group_risk[g], -1, SQLITE_STATIC);
		sqlite3_bind_text(tag, 2, "risk", -1, SQLITE_STATIC);
		step_reset(db, tag);
		sqlite3_bind_text(tag, 1, group_industry[g], -1, SQLITE_STATIC);
		sqlite3_bind_text(tag, 2, "industry", -1, SQLITE_STATIC);
		step_reset(db, tag);
	}
	for (d = 0; d < N_DISCIPLINES; d++) {
		sqlite3_bind_text(tag, 1, disciplines[d], -1, SQLITE_STATIC);
		sqlite3_bind_text(tag, 2, "discipline", -1, SQLITE_STATIC);
		step_reset(db, tag);
	}
	sqlite3_finalize(tag);

	/* Items: each group's, tagged with its risk and one discipline. */
	item = prepare(db, "INSERT INTO items(id, kind, status, title, minutes,"
	    " published_at) VALUES (?1, ?2, ?3, ?4, 5, ?5)");
	item_tag = prepare(db, "INSERT INTO item_tags(item_id, tag_code)"
	    " VALUES (?1, ?2)");
	for (g = 0; g <= COHORT_GROUPS; g++) {
		n = g < COHORT_GROUPS ? o.items_per_group : o.general_items;
		for (j = 0; j < n + 2; j++) {
			iid = g < COHORT_GROUPS ? group_item(g, j) : 9000 + j + 1;
			snprintf(login, sizeof(login), "item %lld", (long long)iid);
			sqlite3_bind_int64(item, 1, iid);
			sqlite3_bind_text(item, 2, j % 2 ? "lesson" : "case", -1,
			    SQLITE_STATIC);
			/* Two past the end of each list: retired and draft. */
			sqlite3_bind_text(item, 3, j < n ? "published" : j == n ?
			    "retired" : "draft", -1, SQLITE_STATIC);
			sqlite3_bind_text(item, 4, login, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(item, 5, COHORT_T0 - COHORT_DAY);
			step_reset(db, item);
			if (g < COHORT_GROUPS) {
				sqlite3_bind_int64(item_tag, 1, iid);
				sqlite3_bind_text(item_tag, 2, group_risk[g], -1,
				    SQLITE_STATIC);
				step_reset(db, item_tag);
			}
			sqlite3_bind_int64(item_tag, 1, iid);
			sqlite3_bind_text(item_tag, 2,
			    disciplines[(j + g) % N_DISCIPLINES], -1, SQLITE_STATIC);
			step_reset(db, item_tag);
		}
	}
	sqlite3_finalize(item);
	sqlite3_finalize(item_tag);

	user = prepare(db, "INSERT INTO users(id, login, password_hash, name,"
	    " role, unit_id, category, industry) VALUES (?1, ?2, 'x', ?2, ?3, 1,"
	    " ?4, ?5)");
	risk = prepare(db, "INSERT INTO user_risks(user_id, tag_code)"
	    " VALUES (?1, ?2)");
	mastery = prepare(db, "INSERT INTO mastery(user_id, tag_code, value)"
	    " VALUES (?1, ?2, ?3)");
	ev = prepare(db, "INSERT INTO events(user_id, item_id, kind, value,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
	for (g = 0; g < COHORT_GROUPS; g++)
		for (u = 0; u < o.users_per_group; u++) {
			uid = 100 + g * 1000000 + u;
			snprintf(login, sizeof(login), "cadre-%d-%d", g, u);
			sqlite3_bind_int64(user, 1, uid);
			sqlite3_bind_text(user, 2, login, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(user, 3, "cadre", -1, SQLITE_STATIC);
			sqlite3_bind_text(user, 4, categories[u % 4], -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(user, 5, group_industry[g], -1,
			    SQLITE_STATIC);
			step_reset(db, user);
			sqlite3_bind_int64(risk, 1, uid);
			sqlite3_bind_text(risk, 2, group_risk[g], -1, SQLITE_STATIC);
			step_reset(db, risk);
			/* Quiz mastery: some cadres are weak in a discipline. */
			sqlite3_bind_int64(mastery, 1, uid);
			sqlite3_bind_text(mastery, 2, disciplines[u % N_DISCIPLINES],
			    -1, SQLITE_STATIC);
			sqlite3_bind_double(mastery, 3, u % 3 == 0 ? 0.4 : 0.8);
			step_reset(db, mastery);
			if (!with_events)
				continue;
			for (j = 0; j < o.interactions; j++) {
				at = COHORT_T0 + (int64_t)(uniform(&rng) * 60 *
				    COHORT_DAY);
				if (uniform(&rng) < o.own_share)
					iid = group_item(g, skewed(&rng,
					    o.items_per_group));
				else if (uniform(&rng) < 0.5)
					iid = 9000 + 1 + skewed(&rng, o.general_items);
				else {
					pick = (g + 1 + (int)(next_random(&rng) %
					    (COHORT_GROUPS - 1))) % COHORT_GROUPS;
					iid = group_item(pick, (int)(next_random(&rng) %
					    (uint32_t)o.items_per_group));
				}
				interact(db, ev, &rng, uid, iid, at);
			}
			/* Dismissed: another group's item, once or twice. */
			for (j = 0; j < 1 + u % 2; j++) {
				pick = (g + 1 + j) % COHORT_GROUPS;
				add_event(db, ev, uid, group_item(pick,
				    (int)(next_random(&rng) %
				    (uint32_t)o.items_per_group)), "dismiss", -1,
				    COHORT_T0 + (int64_t)(uniform(&rng) * 60 *
				    COHORT_DAY));
			}
			/* Noise the trainer must not see: a retired item. */
			add_event(db, ev, uid, group_item(g, o.items_per_group),
			    "complete", -1, COHORT_T0 + 59 * COHORT_DAY);
		}
	/* Editors are not learners: their events are left out. */
	for (u = 0; u < 2; u++) {
		uid = 50 + u;
		snprintf(login, sizeof(login), "editor-%d", u);
		sqlite3_bind_int64(user, 1, uid);
		sqlite3_bind_text(user, 2, login, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(user, 3, "editor", -1, SQLITE_STATIC);
		step_reset(db, user);
		if (with_events)
			for (j = 0; j < 5; j++)
				interact(db, ev, &rng, uid, 9000 + 1 + j,
				    COHORT_T0 + COHORT_DAY * (j + 1));
	}
	sqlite3_finalize(user);
	sqlite3_finalize(risk);
	sqlite3_finalize(mastery);
	sqlite3_finalize(ev);
	exec(db, "COMMIT");
	db_close(db);
}

void
cohort_group_items(const char *db_path, int g, int64_t *ids, int *n)
{
	sqlite3_stmt *stmt;
	sqlite3 *db;

	*n = 0;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die(db_path, db);
	stmt = prepare(db, "SELECT t.item_id FROM item_tags t JOIN items i"
	    " ON i.id = t.item_id WHERE t.tag_code = ?1 AND i.status ="
	    " 'published' ORDER BY t.item_id");
	sqlite3_bind_text(stmt, 1, group_risk[g], -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW && *n < 256)
		ids[(*n)++] = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

/* Reads all of 'fd' into 'buf' (NUL-terminated, cut at 'size' - 1). */
static void
slurp(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t got;
	char sink[4096];

	for (;;) {
		if (n + 1 < size)
			got = read(fd, buf + n, size - 1 - n);
		else
			got = read(fd, sink, sizeof(sink));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (n + 1 < size)
			n += (size_t)got;
	}
	buf[n] = '\0';
}

void
train_exec(struct train_outcome *o, const char *const *args)
{
	const char *dir = getenv("top_builddir");
	char program[4096], out_path[] = "/tmp/qf-train-out-XXXXXX",
	    err_path[] = "/tmp/qf-train-err-XXXXXX";
	const char *argv[64];
	int out_fd, err_fd, status, j;
	pid_t pid;

	snprintf(program, sizeof(program), "%s/qingfeng-train",
	    dir != NULL && dir[0] != '\0' ? dir : ".");
	argv[0] = program;
	for (j = 0; args[j] != NULL && j < 62; j++)
		argv[j + 1] = args[j];
	argv[j + 1] = NULL;
	if ((out_fd = mkstemp(out_path)) < 0 || (err_fd = mkstemp(err_path)) < 0) {
		perror("mkstemp");
		exit(99);
	}
	unlink(out_path);
	unlink(err_path);
	if ((pid = fork()) < 0) {
		perror("fork");
		exit(99);
	}
	if (pid == 0) {
		dup2(out_fd, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		execv(program, (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", program, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("waitpid");
			exit(99);
		}
	o->status = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
	lseek(out_fd, 0, SEEK_SET);
	lseek(err_fd, 0, SEEK_SET);
	slurp(out_fd, o->out, sizeof(o->out));
	slurp(err_fd, o->err, sizeof(o->err));
	close(out_fd);
	close(err_fd);
	if (o->status == 127 || o->status >= 128) {
		fprintf(stderr, "qingfeng-train ended with %d: %s\n", o->status,
		    o->err);
	}
}

void
run_row_free(struct run_row *row)
{
	json_decref(row->metrics);
	memset(row, 0, sizeof(*row));
}

static void
copy_text(sqlite3_stmt *stmt, int col, char *out, size_t size)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);

	snprintf(out, size, "%s", t ? (const char *)t : "");
}

void
run_row_read(const char *db_path, int64_t id, struct run_row *row)
{
	sqlite3_stmt *stmt;
	const char *metrics;
	sqlite3 *db;

	run_row_free(row);
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die(db_path, db);
	stmt = prepare(db, "SELECT id, status, trigger, model_version, message,"
	    " metrics, users, items, interactions, seconds, started_at,"
	    " finished_at FROM model_runs WHERE id = ?1 OR (?1 = 0 AND id ="
	    " (SELECT max(id) FROM model_runs))");
	sqlite3_bind_int64(stmt, 1, id);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		row->found = 1;
		row->id = sqlite3_column_int64(stmt, 0);
		copy_text(stmt, 1, row->status, sizeof(row->status));
		copy_text(stmt, 2, row->trigger, sizeof(row->trigger));
		copy_text(stmt, 3, row->model_version, sizeof(row->model_version));
		copy_text(stmt, 4, row->message, sizeof(row->message));
		metrics = (const char *)sqlite3_column_text(stmt, 5);
		row->metrics = metrics ? json_loads(metrics, 0, NULL) : NULL;
		row->users = sqlite3_column_int64(stmt, 6);
		row->items = sqlite3_column_int64(stmt, 7);
		row->interactions = sqlite3_column_int64(stmt, 8);
		row->seconds = sqlite3_column_double(stmt, 9);
		row->started_at = sqlite3_column_int64(stmt, 10);
		row->finished_at = sqlite3_column_int64(stmt, 11);
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

int
run_rows_count(const char *db_path)
{
	sqlite3_stmt *stmt;
	sqlite3 *db;
	int n = -1;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die(db_path, db);
	stmt = prepare(db, "SELECT count(*) FROM model_runs");
	if (sqlite3_step(stmt) == SQLITE_ROW)
		n = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return n;
}

void
cohort_sql(const char *db_path, const char *sql)
{
	struct qf_error err;
	sqlite3 *db;

	qf_error_init(&err);
	if ((db = db_open(db_path, DB_OPEN_EXISTING, &err)) == NULL ||
	    db_exec(db, sql, &err) < 0) {
		fprintf(stderr, "cohort: %s: %s\n", sql, err.text);
		exit(99);
	}
	db_close(db);
}

/* The whole of 'path' (malloc'd) and its length, or NULL. */
static unsigned char *
read_all(const char *path, size_t *len)
{
	unsigned char *buf;
	struct stat st;
	FILE *fp;

	if (stat(path, &st) < 0 || (fp = fopen(path, "rb")) == NULL)
		return NULL;
	buf = malloc((size_t)st.st_size + 1);
	*len = buf ? fread(buf, 1, (size_t)st.st_size, fp) : 0;
	fclose(fp);
	return buf;
}

int
files_identical(const char *a, const char *b)
{
	unsigned char *x, *y;
	size_t lx = 0, ly = 0;
	int same;

	x = read_all(a, &lx);
	y = read_all(b, &ly);
	same = x != NULL && y != NULL && lx == ly && memcmp(x, y, lx) == 0;
	free(x);
	free(y);
	return same;
}

void
file_copy(const char *from, const char *to)
{
	unsigned char *buf;
	size_t len = 0;
	FILE *fp;

	if ((buf = read_all(from, &len)) == NULL ||
	    (fp = fopen(to, "wb")) == NULL) {
		fprintf(stderr, "cannot copy %s to %s\n", from, to);
		exit(99);
	}
	if (fwrite(buf, 1, len, fp) != len || fclose(fp) != 0)
		exit(99);
	free(buf);
}

int
file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

double
json_path_number(json_t *root, const char *path)
{
	char key[128];
	const char *dot;
	json_t *at = root;

	while (at != NULL && *path != '\0') {
		dot = strchr(path, '.');
		snprintf(key, sizeof(key), "%.*s",
		    (int)(dot ? (size_t)(dot - path) : strlen(path)), path);
		at = json_object_get(at, key);
		path = dot ? dot + 1 : path + strlen(path);
	}
	return json_is_number(at) ? json_number_value(at) : NAN;
}
