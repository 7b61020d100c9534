/*
 * admin-cli.c — qingfeng-admin: initialise a database, print its schema
 * version, load the tag taxonomy, create units and users, set up the demo.
 * Bad arguments print the usage and exit 2; a failed operation exits 1.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content/content.h"
#include "extern.h"
#include "fcgi/admin-simulate.h"

#define EXIT_USAGE 2

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: qingfeng-admin --db PATH COMMAND [options]\n"
	    "\n"
	    "commands:\n"
	    "  init                         create the database (or migrate it) and print its schema version\n"
	    "  schema-version               print the database's schema version and this program's\n"
	    "  load-tags FILE               add or relabel the tags of a JSON Lines file ({code,kind,label})\n"
	    "  add-unit --name NAME [--parent ID]\n"
	    "                               create a unit and print its id\n"
	    "  add-user --login LOGIN --name NAME --role ROLE --unit ID\n"
	    "           [--category CAT] [--industry CODE] [--risk CODE]... [--password-file FILE]\n"
	    "                               create a user and print its id; the password is read from\n"
	    "                               FILE, or from standard input\n"
	    "  demo --content DIR [--simulate]\n"
	    "                               set up the demo: tags, units and the demo-* accounts\n"
	    "                               (password qingfeng-demo) and, into an empty library, the\n"
	    "                               starter corpus (cases-a, cases-b, lessons); with --simulate\n"
	    "                               also a simulated cohort (once); safe to run again\n"
	    "  load-content FILE...         import items and questions from JSON Lines files, all or\n"
	    "                               nothing: every bad line is reported as FILE:LINE: field: reason\n"
	    "  content-stats                print the library's counts by kind, discipline, risk area,\n"
	    "                               category and every other tag\n"
	    "  export-content [--status S] [--kind K]\n"
	    "                               write the library (or part of it) to standard output as\n"
	    "                               JSON Lines that load-content reads back\n"
	    "  simulate [--seed S] [--cadres N] [--months M] [--units U] [--now UNIX]\n"
	    "                               create a unit tree, N cadres (default 300) and M months\n"
	    "                               (default 6) of simulated learning before NOW (default\n"
	    "                               today), deterministic for a seed (default 1); needs the\n"
	    "                               tags and a library; once per database\n"
	    "  explain-figures              print the query plan of each statement of the supervisor's\n"
	    "                               figures (the overview's benchmark shows them)\n"
	    "\n"
	    "ROLE is cadre, editor, supervisor or admin; CAT is leading, middle, grassroots or new_hire.\n");
}

static int
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "qingfeng-admin: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	usage(stderr);
	return EXIT_USAGE;
}

static int
parse_id(const char *text, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 1)
		return -1;
	*out = v;
	return 0;
}

static sqlite3 *
open_database(const char *path, enum db_open_mode mode)
{
	struct qf_error err;
	sqlite3 *db;

	qf_error_init(&err);
	if ((db = db_open(path, mode, &err)) == NULL) {
		fprintf(stderr, "qingfeng-admin: %s\n", err.text);
		return NULL;
	}
	if (db_migrate(db, &err) < 0) {
		fprintf(stderr, "qingfeng-admin: %s: %s\n", path, err.text);
		db_close(db);
		return NULL;
	}
	return db;
}

/*
 * Loads tags from a JSON Lines file, all or nothing: every line is checked
 * first, and a bad line is reported with its number.
 */
static int
load_tags(sqlite3 *db, const char *path)
{
	static const char *const kinds[] = { "discipline", "risk", "industry", "category",
		"region", "form", NULL };
	sqlite3_stmt *stmt = NULL;
	struct qf_error err;
	char *line = NULL;
	size_t cap = 0, count = 0;
	long lineno = 0;
	FILE *in;
	int status = 1;

	if ((in = fopen(path, "r")) == NULL) {
		fprintf(stderr, "qingfeng-admin: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	qf_error_init(&err);
	if (db_exec(db, "BEGIN IMMEDIATE", &err) < 0)
		goto fail;
	if (sqlite3_prepare_v2(db, "INSERT INTO tags(code, kind, label) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT(code) DO UPDATE SET label = excluded.label WHERE kind = excluded.kind",
	    -1, &stmt, NULL) != SQLITE_OK)
		goto db_fail;
	while (getline(&line, &cap, in) > 0) {
		json_error_t jerr;
		const char *code, *kind, *label;
		json_t *tag;
		int ok, known_kind = 0;

		lineno++;
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		if ((tag = json_loads(line, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
			fprintf(stderr, "qingfeng-admin: %s:%ld: %s\n", path, lineno, jerr.text);
			goto rollback;
		}
		ok = json_unpack(tag, "{s:s,s:s,s:s !}", "code", &code, "kind", &kind, "label", &label) == 0;
		for (int i = 0; ok && kinds[i] != NULL; i++)
			known_kind |= strcmp(kind, kinds[i]) == 0;
		if (!ok || !known_kind || strncmp(code, kind, strlen(kind)) != 0 ||
		    code[strlen(kind)] != '.' || !login_is_valid(code) ||
		    !utf8_is_clean(label, strlen(label), 0) || *label == '\0') {
			fprintf(stderr, "qingfeng-admin: %s:%ld: a tag is {\"code\":\"KIND.name\","
			    "\"kind\":KIND,\"label\":\"中文\"} with KIND one of discipline, risk, "
			    "industry, category, region, form\n", path, lineno);
			json_decref(tag);
			goto rollback;
		}
		sqlite3_bind_text(stmt, 1, code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(stmt, 2, kind, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(stmt, 3, label, -1, SQLITE_TRANSIENT);
		json_decref(tag);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			goto db_fail;
		sqlite3_reset(stmt);
		count++;
	}
	if (ferror(in)) {
		fprintf(stderr, "qingfeng-admin: reading %s: %s\n", path, strerror(errno));
		goto rollback;
	}
	if (db_exec(db, "COMMIT", &err) < 0)
		goto fail;
	printf("%zu tags loaded\n", count);
	status = 0;
	goto out;
db_fail:
	qf_error_set(&err, "%s", sqlite3_errmsg(db));
fail:
	fprintf(stderr, "qingfeng-admin: %s\n", err.text);
rollback:
	db_exec(db, "ROLLBACK", NULL);
out:
	sqlite3_finalize(stmt);
	free(line);
	fclose(in);
	return status;
}

/* Reads a password: the first line of 'path', or of standard input when NULL. */
static char *
read_password(const char *path)
{
	FILE *in = path ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (in == NULL) {
		fprintf(stderr, "qingfeng-admin: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	n = getline(&line, &cap, in);
	if (path != NULL)
		fclose(in);
	if (n <= 0) {
		fprintf(stderr, "qingfeng-admin: no password given\n");
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

static int
cmd_add_unit(sqlite3 *db, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "parent", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL;
	int64_t parent = 0, id;
	struct qf_error err;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c == 'n')
			name = optarg;
		else if (c == 'p') {
			if (parse_id(optarg, &parent) < 0)
				return usage_error("--parent takes a unit id, not '%s'", optarg);
		} else
			return usage_error("add-unit: unknown option%s", "");
	}
	if (name == NULL || optind != argc)
		return usage_error("add-unit needs --name NAME%s", "");
	qf_error_init(&err);
	if (db_exec(db, "BEGIN IMMEDIATE", &err) < 0 ||
	    (id = accounts_create_unit(db, name, parent, &err)) < 0 ||
	    db_exec(db, "COMMIT", &err) < 0) {
		db_exec(db, "ROLLBACK", NULL);
		fprintf(stderr, "qingfeng-admin: %s\n", err.text);
		return 1;
	}
	printf("%lld\n", (long long)id);
	return 0;
}

static int
cmd_add_user(sqlite3 *db, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "login", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "unit", required_argument, NULL, 'u' },
		{ "category", required_argument, NULL, 'c' },
		{ "industry", required_argument, NULL, 'i' },
		{ "risk", required_argument, NULL, 'k' },
		{ "password-file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *risks[ACCOUNTS_MAX_RISKS];
	struct new_user user = { .risks = risks };
	const char *password_file = NULL;
	struct qf_error err;
	char *password;
	int64_t id;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'l': user.login = optarg; break;
		case 'n': user.name = optarg; break;
		case 'r': user.role = optarg; break;
		case 'c': user.category = optarg; break;
		case 'i': user.industry = optarg; break;
		case 'f': password_file = optarg; break;
		case 'u':
			if (parse_id(optarg, &user.unit_id) < 0)
				return usage_error("--unit takes a unit id, not '%s'", optarg);
			break;
		case 'k':
			if (user.risk_count == ACCOUNTS_MAX_RISKS)
				return usage_error("too many --risk options%s", "");
			risks[user.risk_count++] = optarg;
			break;
		default:
			return usage_error("add-user: unknown option%s", "");
		}
	}
	if (user.login == NULL || user.name == NULL || user.role == NULL ||
	    user.unit_id == 0 || optind != argc)
		return usage_error("add-user needs --login, --name, --role and --unit%s", "");
	if ((password = read_password(password_file)) == NULL)
		return 1;
	user.password = password;
	qf_error_init(&err);
	id = -1;
	if (db_exec(db, "BEGIN IMMEDIATE", &err) == 0 &&
	    (id = accounts_create_user(db, &user, &err)) >= 0 && db_exec(db, "COMMIT", &err) < 0)
		id = -1;
	explicit_bzero(password, strlen(password));
	free(password);
	if (id < 0) {
		db_exec(db, "ROLLBACK", NULL);
		fprintf(stderr, "qingfeng-admin: %s\n", err.text);
		return 1;
	}
	printf("%lld\n", (long long)id);
	return 0;
}

/* --------------------------------------------------------------- content */

/* Reads all of 'path' into a NUL-terminated buffer the caller frees; NULL with a message. */
static char *
read_whole_file(const char *path, size_t *len)
{
	FILE *in = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0;
	FILE *out;

	if (in == NULL) {
		fprintf(stderr, "qingfeng-admin: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if ((out = open_memstream(&text, &cap)) != NULL) {
		char buf[65536];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, out);
		if (fclose(out) != 0) {
			free(text);
			text = NULL;
		}
	}
	if (ferror(in) || text == NULL) {
		fprintf(stderr, "qingfeng-admin: reading %s failed\n", path);
		free(text);
		text = NULL;
	}
	fclose(in);
	*len = cap;
	return text;
}

/*
 * Imports 'count' JSON Lines files in one transaction, all or nothing, and
 * leaves an audit row (actor: the command line). Every bad line of every
 * file is printed as FILE:LINE: field: reason. Returns the exit status.
 */
static int
load_content(sqlite3 *db, char *const paths[], int count)
{
	size_t items = 0, questions = 0, bad = 0;
	sqlite3_stmt *stmt = NULL;
	struct qf_error err;
	json_t *files = json_array();
	char *detail = NULL;
	int status = 1;

	qf_error_init(&err);
	if (db_exec(db, "BEGIN IMMEDIATE", &err) < 0) {
		fprintf(stderr, "qingfeng-admin: %s\n", err.text);
		json_decref(files);
		return 1;
	}
	for (int i = 0; i < count; i++) {
		struct content_import_result result;
		enum content_rc rc;
		size_t len, e;
		json_t *entry;
		char *text;

		if ((text = read_whole_file(paths[i], &len)) == NULL)
			goto rollback;
		qf_error_init(&err);
		rc = content_import(db, text, len, 0, 0, &result, &err);
		free(text);
		json_array_foreach(result.errors, e, entry)
			fprintf(stderr, "qingfeng-admin: %s:%lld: %s: %s\n", paths[i],
			    (long long)json_integer_value(json_object_get(entry, "line")),
			    json_string_value(json_object_get(entry, "field")),
			    json_string_value(json_object_get(entry, "message")));
		bad += json_array_size(result.errors);
		if (rc == CONTENT_OK) {
			items += result.items;
			questions += result.questions;
			json_array_append_new(files, json_pack("{s:s,s:I,s:I}", "file", paths[i],
			    "items", (json_int_t)result.items, "questions", (json_int_t)result.questions));
		} else if (rc != CONTENT_INVALID)
			fprintf(stderr, "qingfeng-admin: %s: %s\n", paths[i], err.text);
		content_import_result_free(&result);
		if (rc != CONTENT_OK && rc != CONTENT_INVALID)
			goto rollback;
	}
	if (bad > 0) {
		fprintf(stderr, "qingfeng-admin: %zu bad line%s: nothing loaded\n", bad, bad == 1 ? "" : "s");
		goto rollback;
	}
	detail = json_dumps(files, JSON_COMPACT);
	if (sqlite3_prepare_v2(db, "INSERT INTO audit_log(actor_role, action, detail)"
	    " VALUES ('cli', 'content.import', ?1)", -1, &stmt, NULL) != SQLITE_OK)
		goto db_fail;
	sqlite3_bind_text(stmt, 1, detail, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		goto db_fail;
	if (db_exec(db, "COMMIT", &err) < 0) {
		fprintf(stderr, "qingfeng-admin: %s\n", err.text);
		goto rollback;
	}
	printf("%zu items and %zu questions loaded\n", items, questions);
	status = 0;
	goto out;
db_fail:
	fprintf(stderr, "qingfeng-admin: %s\n", sqlite3_errmsg(db));
rollback:
	db_exec(db, "ROLLBACK", NULL);
out:
	sqlite3_finalize(stmt);
	free(detail);
	json_decref(files);
	return status;
}

static int
cmd_load_content(sqlite3 *db, int argc, char *argv[])
{
	if (argc < 2)
		return usage_error("load-content takes one or more FILEs%s", "");
	return load_content(db, argv + 1, argc - 1);
}

/* Writes the library as JSON Lines to standard output, in the shape load-content reads. */
static int
cmd_export_content(sqlite3 *db, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "status", required_argument, NULL, 's' },
		{ "kind", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct content_export_filter filter = { NULL, NULL };
	struct qf_error err;
	size_t lines;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c == 's')
			filter.status = optarg;
		else if (c == 'k')
			filter.kind = optarg;
		else
			return usage_error("export-content: unknown option%s", "");
	}
	if (optind != argc)
		return usage_error("export-content takes no FILE: it writes to standard output%s", "");
	qf_error_init(&err);
	/* One read transaction: a consistent snapshot while the server writes. */
	db_exec(db, "BEGIN", NULL);
	if (content_export(db, &filter, stdout, &lines, &err) != CONTENT_OK) {
		db_exec(db, "ROLLBACK", NULL);
		fprintf(stderr, "qingfeng-admin: %s\n", err.text);
		return 1;
	}
	db_exec(db, "COMMIT", NULL);
	fprintf(stderr, "%zu lines exported\n", lines);
	return 0;
}

/* Prints the library's counts; the tags a kind never uses are marked, the corpus check reads them. */
static int
cmd_content_stats(sqlite3 *db, int argc, char *argv[])
{
	struct qf_error err;
	json_t *stats, *tag;
	const char *kind = "";
	size_t i;

	(void)argv;
	if (argc != 1)
		return usage_error("content-stats takes no arguments%s", "");
	qf_error_init(&err);
	if (content_stats(db, &stats, &err) != CONTENT_OK) {
		fprintf(stderr, "qingfeng-admin: %s\n", err.text);
		return 1;
	}
	printf("items %lld (cases %lld, lessons %lld, published %lld, untagged %lld), questions %lld\n",
	    (long long)json_integer_value(json_object_get(stats, "items")),
	    (long long)json_integer_value(json_object_get(stats, "cases")),
	    (long long)json_integer_value(json_object_get(stats, "lessons")),
	    (long long)json_integer_value(json_object_get(stats, "published")),
	    (long long)json_integer_value(json_object_get(stats, "untagged_items")),
	    (long long)json_integer_value(json_object_get(stats, "questions")));
	json_array_foreach(json_object_get(stats, "tags"), i, tag) {
		const char *tag_kind = json_string_value(json_object_get(tag, "kind"));
		json_int_t items = json_integer_value(json_object_get(tag, "items"));
		json_int_t questions = json_integer_value(json_object_get(tag, "questions"));

		if (strcmp(kind, tag_kind) != 0)
			printf("%s:\n", kind = tag_kind);
		/* The label last: Chinese characters are two columns wide. */
		printf("  %-28s items %4lld  questions %4lld  %s%s\n",
		    json_string_value(json_object_get(tag, "code")), (long long)items,
		    (long long)questions, json_string_value(json_object_get(tag, "label")),
		    items + questions == 0 ? "  (unused)" : "");
	}
	json_decref(stats);
	return 0;
}

/* Loads the starter corpus from 'dir' into an empty library; a library with items is left alone. */
static int
demo_content(sqlite3 *db, const char *dir)
{
	static const char *const files[] = { "cases-a.jsonl", "cases-b.jsonl", "lessons.jsonl" };
	char paths[3][4096], *argv[3];
	sqlite3_stmt *stmt = NULL;
	int64_t items = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM items", -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		items = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	if (items < 0) {
		fprintf(stderr, "qingfeng-admin: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	if (items > 0)
		return 0;
	for (int i = 0; i < 3; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, files[i]);
		argv[i] = paths[i];
	}
	return load_content(db, argv, 3);
}

/* Returns the id of the first unit named 'name' under 'parent', creating it if needed. */
static int64_t
demo_unit(sqlite3 *db, const char *name, int64_t parent)
{
	sqlite3_stmt *stmt = NULL;
	struct qf_error err;
	int64_t id = 0;

	if (sqlite3_prepare_v2(db, "SELECT id FROM units WHERE name = ?1 AND parent_id IS ?2",
	    -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
		if (parent != 0)
			sqlite3_bind_int64(stmt, 2, parent);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			id = sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	if (id != 0)
		return id;
	qf_error_init(&err);
	if ((id = accounts_create_unit(db, name, parent, &err)) < 0)
		fprintf(stderr, "qingfeng-admin: demo unit %s: %s\n", name, err.text);
	return id;
}

static int
demo_user_exists(sqlite3 *db, const char *login)
{
	sqlite3_stmt *stmt = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM users WHERE login = ?1", -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, login, -1, SQLITE_STATIC);
		found = sqlite3_step(stmt) == SQLITE_ROW;
	}
	sqlite3_finalize(stmt);
	return found;
}

static int
cmd_demo(sqlite3 *db, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "content", required_argument, NULL, 'c' },
		{ "simulate", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const cadre_risks[] = { "risk.tendering", "risk.procurement" };
	const char *content = NULL;
	char path[4096];
	int64_t province, city, bureau;
	int c, simulate = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c == 'c')
			content = optarg;
		else if (c == 's')
			simulate = 1;
		else
			return usage_error("demo: unknown option%s", "");
	}
	if (content == NULL || optind != argc)
		return usage_error("demo needs --content DIR (the folder holding tags.jsonl)%s", "");
	snprintf(path, sizeof(path), "%s/tags.jsonl", content);
	if (load_tags(db, path) != 0)
		return 1;
	/* Units and accounts all at once, or none of them. */
	if (db_exec(db, "BEGIN IMMEDIATE", NULL) < 0) {
		fprintf(stderr, "qingfeng-admin: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	if ((province = demo_unit(db, "某省纪委监委", 0)) < 0 ||
	    (city = demo_unit(db, "某市", province)) < 0 ||
	    (bureau = demo_unit(db, "某市住房和城乡建设局", city)) < 0)
		goto rollback;
	const struct new_user users[] = {
		{ "demo-admin", "qingfeng-demo", "演示管理员", "admin", province, NULL, NULL, NULL, 0 },
		{ "demo-editor", "qingfeng-demo", "演示编辑", "editor", province, NULL, NULL, NULL, 0 },
		{ "demo-supervisor", "qingfeng-demo", "演示监督员", "supervisor", province, NULL, NULL, NULL, 0 },
		{ "demo-cadre", "qingfeng-demo", "演示干部", "cadre", bureau, "middle",
		  "industry.construction", cadre_risks, 2 },
	};
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		struct qf_error err;

		if (demo_user_exists(db, users[i].login))
			continue;
		qf_error_init(&err);
		if (accounts_create_user(db, &users[i], &err) < 0) {
			fprintf(stderr, "qingfeng-admin: demo user %s: %s\n", users[i].login, err.text);
			goto rollback;
		}
	}
	if (db_exec(db, "COMMIT", NULL) < 0) {
		fprintf(stderr, "qingfeng-admin: %s\n", sqlite3_errmsg(db));
		goto rollback;
	}
	if (demo_content(db, content) != 0)
		return 1;
	if (simulate && !simulate_done(db)) {
		struct simulate_options o;

		simulate_defaults(&o);
		if (simulate_run(db, &o) != 0)
			return 1;
	}
	printf("demo ready: demo-admin, demo-editor, demo-supervisor, demo-cadre (password qingfeng-demo)\n");
	return 0;
rollback:
	db_exec(db, "ROLLBACK", NULL);
	return 1;
}

static int
cmd_init(sqlite3 *db, int argc, char *argv[])
{
	(void)db;
	(void)argv;
	if (argc != 1)
		return usage_error("init takes no arguments%s", "");
	printf("%d\n", db_schema_latest());
	return 0;
}

static int
cmd_load_tags(sqlite3 *db, int argc, char *argv[])
{
	if (argc != 2)
		return usage_error("load-tags takes one FILE%s", "");
	return load_tags(db, argv[1]);
}

/* Reads the version without migrating: the point is to see what is there. */
static int
cmd_schema_version(const char *db_path, int argc)
{
	struct qf_error err;
	sqlite3 *db;
	int version;

	if (argc != 1)
		return usage_error("schema-version takes no arguments%s", "");
	qf_error_init(&err);
	if ((db = db_open(db_path, DB_OPEN_EXISTING, &err)) == NULL ||
	    (version = db_schema_version(db, &err)) < 0) {
		fprintf(stderr, "qingfeng-admin: %s\n", err.text);
		db_close(db);
		return 1;
	}
	printf("%d (this program: %d)\n", version, db_schema_latest());
	db_close(db);
	return 0;
}

/* The query plan of each statement behind the supervisor's overview. */
static int
cmd_explain_figures(sqlite3 *db, int argc, char *argv[])
{
	(void)argv;
	if (argc != 1)
		return usage_error("explain-figures takes no arguments%s", "");
	for (const struct sv_statement *s = sv_figures_statements; s->name != NULL; s++) {
		sqlite3_stmt *stmt;
		char *sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", s->sql);

		if (sql == NULL || sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
			fprintf(stderr, "qingfeng-admin: %s: %s\n", s->name, sqlite3_errmsg(db));
			sqlite3_free(sql);
			return 1;
		}
		printf("%s:\n", s->name);
		while (sqlite3_step(stmt) == SQLITE_ROW)
			printf("  %s\n", (const char *)sqlite3_column_text(stmt, 3));
		sqlite3_finalize(stmt);
		sqlite3_free(sql);
	}
	return 0;
}

/* Commands that work on a created-or-migrated database. */
static const struct {
	const char *name;
	int (*run)(sqlite3 *db, int argc, char *argv[]);
} commands[] = {
	{ "init", cmd_init },
	{ "load-tags", cmd_load_tags },
	{ "add-unit", cmd_add_unit },
	{ "add-user", cmd_add_user },
	{ "demo", cmd_demo },
	{ "load-content", cmd_load_content },
	{ "content-stats", cmd_content_stats },
	{ "export-content", cmd_export_content },
	{ "simulate", cmd_simulate },
	{ "explain-figures", cmd_explain_figures },
};

int
main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db_path = NULL, *command;
	sqlite3 *db;
	int c, status;

	log_set_name("qingfeng-admin");
	/* '+': stop at the command; each command parses its own options. */
	while ((c = getopt_long(argc, argv, "+d:h", options, NULL)) != -1) {
		if (c == 'd')
			db_path = optarg;
		else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error("no command given%s", "");
	if (db_path == NULL)
		return usage_error("--db PATH is required%s", "");
	command = argv[optind];
	argc -= optind;
	argv += optind;
	if (password_init() < 0) {
		fprintf(stderr, "qingfeng-admin: libsodium failed to initialise\n");
		return 1;
	}
	if (strcmp(command, "schema-version") == 0)
		return cmd_schema_version(db_path, argc);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(command, commands[i].name) != 0)
			continue;
		if ((db = open_database(db_path, DB_OPEN_CREATE)) == NULL)
			return 1;
		status = commands[i].run(db, argc, argv);
		db_close(db);
		return status;
	}
	return usage_error("unknown command '%s'", command);
}
