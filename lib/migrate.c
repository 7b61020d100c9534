/*
 * migrate.c — numbered schema migrations, applied at start-up.
 *
 * migrations[N-1] takes a database from version N-1 to N; PRAGMA user_version
 * records the version reached. Never edit a migration that has shipped: add
 * the next one.
 */
#include "config.h"

#include <stdio.h>

#include "core.h"

/* Version 1: every table of the design, for later work to fill. */
static const char migration_0001_initial[] =
	/* The organisation tree: province > city > county > unit. */
	"CREATE TABLE units ("
	"  id INTEGER PRIMARY KEY,"
	"  parent_id INTEGER REFERENCES units(id),"
	"  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),"
	"  region TEXT,"
	"  created_at INTEGER NOT NULL DEFAULT (unixepoch())"
	");"
	"CREATE INDEX units_by_parent ON units(parent_id);"

	/* Tags: stable ASCII codes ('risk.tendering') with Chinese labels. */
	"CREATE TABLE tags ("
	"  code TEXT PRIMARY KEY CHECK (length(code) BETWEEN 3 AND 64),"
	"  kind TEXT NOT NULL CHECK (kind IN"
	"    ('discipline','risk','industry','category','region','form')),"
	"  label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 64),"
	"  created_at INTEGER NOT NULL DEFAULT (unixepoch())"
	") WITHOUT ROWID;"

	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  login TEXT NOT NULL UNIQUE CHECK (length(login) BETWEEN 1 AND 64),"
	"  password_hash TEXT NOT NULL,"
	"  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),"
	"  role TEXT NOT NULL CHECK (role IN ('cadre','editor','supervisor','admin')),"
	"  unit_id INTEGER NOT NULL REFERENCES units(id),"
	"  category TEXT CHECK (category IN ('leading','middle','grassroots','new_hire')),"
	"  industry TEXT REFERENCES tags(code),"
	"  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0,1)),"
	"  created_at INTEGER NOT NULL DEFAULT (unixepoch())"
	");"
	"CREATE INDEX users_by_unit ON users(unit_id);"

	/* Risk exposure of a cadre's post (岗位风险点). */
	"CREATE TABLE user_risks ("
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  tag_code TEXT NOT NULL REFERENCES tags(code),"
	"  PRIMARY KEY (user_id, tag_code)"
	") WITHOUT ROWID;"

	/* Content items; each edit bumps 'version' and copies the old one to item_versions. */
	"CREATE TABLE items ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('case','lesson')),"
	"  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','published','retired')),"
	"  version INTEGER NOT NULL DEFAULT 1,"
	"  title TEXT NOT NULL,"
	"  summary TEXT NOT NULL DEFAULT '',"
	"  body_md TEXT NOT NULL DEFAULT '',"
	"  minutes INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 600),"
	"  difficulty INTEGER NOT NULL DEFAULT 3 CHECK (difficulty BETWEEN 1 AND 5),"
	"  published_at INTEGER,"
	"  created_at INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  updated_at INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  created_by INTEGER REFERENCES users(id)"
	");"
	"CREATE INDEX items_by_status ON items(status, kind);"
	"CREATE TABLE item_versions ("
	"  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
	"  version INTEGER NOT NULL,"
	"  title TEXT NOT NULL,"
	"  summary TEXT NOT NULL,"
	"  body_md TEXT NOT NULL,"
	"  minutes INTEGER NOT NULL,"
	"  difficulty INTEGER NOT NULL,"
	"  tags TEXT NOT NULL DEFAULT '[]',"
	"  edited_by INTEGER REFERENCES users(id),"
	"  edited_at INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  PRIMARY KEY (item_id, version)"
	") WITHOUT ROWID;"
	"CREATE TABLE item_tags ("
	"  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
	"  tag_code TEXT NOT NULL REFERENCES tags(code),"
	"  PRIMARY KEY (item_id, tag_code)"
	") WITHOUT ROWID;"
	"CREATE INDEX item_tags_by_tag ON item_tags(tag_code, item_id);"

	/* Quiz questions: attached to an item or standing alone. */
	"CREATE TABLE questions ("
	"  id INTEGER PRIMARY KEY,"
	"  item_id INTEGER REFERENCES items(id),"
	"  type TEXT NOT NULL CHECK (type IN ('single','multiple','truefalse')),"
	"  status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('draft','published','retired')),"
	"  stem TEXT NOT NULL,"
	"  choices TEXT NOT NULL CHECK (json_valid(choices)),"
	"  answer TEXT NOT NULL CHECK (json_valid(answer)),"
	"  explanation TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  updated_at INTEGER NOT NULL DEFAULT (unixepoch())"
	");"
	"CREATE INDEX questions_by_item ON questions(item_id);"
	"CREATE TABLE question_tags ("
	"  question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,"
	"  tag_code TEXT NOT NULL REFERENCES tags(code),"
	"  PRIMARY KEY (question_id, tag_code)"
	") WITHOUT ROWID;"

	/* What cadres did: append-only. 'client_id' makes a retried post count once. */
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  item_id INTEGER NOT NULL REFERENCES items(id),"
	"  kind TEXT NOT NULL CHECK (kind IN"
	"    ('impression','open','progress','complete','dismiss')),"
	"  value REAL,"
	"  client_id TEXT,"
	"  position INTEGER,"
	"  model_version TEXT,"
	"  arm TEXT CHECK (arm IN ('personalised','control')),"
	"  created_at INTEGER NOT NULL DEFAULT (unixepoch())"
	");"
	"CREATE UNIQUE INDEX events_by_client ON events(user_id, client_id)"
	"  WHERE client_id IS NOT NULL;"
	"CREATE INDEX events_by_user ON events(user_id, created_at);"
	"CREATE INDEX events_by_item ON events(item_id, kind);"
	"CREATE INDEX events_by_time ON events(created_at);"

	/* Quiz attempts. */
	"CREATE TABLE answers ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  question_id INTEGER NOT NULL REFERENCES questions(id),"
	"  choice TEXT NOT NULL CHECK (json_valid(choice)),"
	"  correct INTEGER NOT NULL CHECK (correct IN (0,1)),"
	"  client_id TEXT,"
	"  created_at INTEGER NOT NULL DEFAULT (unixepoch())"
	");"
	"CREATE UNIQUE INDEX answers_by_client ON answers(user_id, client_id)"
	"  WHERE client_id IS NOT NULL;"
	"CREATE INDEX answers_by_user ON answers(user_id, created_at);"
	"CREATE INDEX answers_by_question ON answers(question_id);"

	/* Derived per cadre and discipline by knowledge tracing. */
	"CREATE TABLE mastery ("
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  tag_code TEXT NOT NULL REFERENCES tags(code),"
	"  value REAL NOT NULL,"
	"  updated_at INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  PRIMARY KEY (user_id, tag_code)"
	") WITHOUT ROWID;"

	/* Experiment assignment, made once per cadre. */
	"CREATE TABLE arms ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  arm TEXT NOT NULL CHECK (arm IN ('personalised','control')),"
	"  assigned_at INTEGER NOT NULL DEFAULT (unixepoch())"
	");"

	/* Sessions are stored by the hash of their token, never the token itself. */
	"CREATE TABLE sessions ("
	"  token_hash BLOB PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  csrf_token TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  last_seen_at INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  address TEXT"
	") WITHOUT ROWID;"
	"CREATE INDEX sessions_by_user ON sessions(user_id);"

	"CREATE TABLE audit_log ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  actor_id INTEGER REFERENCES users(id),"
	"  actor_role TEXT,"
	"  action TEXT NOT NULL,"
	"  target_kind TEXT,"
	"  target_id INTEGER,"
	"  detail TEXT CHECK (detail IS NULL OR json_valid(detail)),"
	"  address TEXT"
	");"
	"CREATE INDEX audit_by_time ON audit_log(at);"
	"CREATE INDEX audit_by_actor ON audit_log(actor_id, at);"

	"CREATE TABLE model_runs ("
	"  id INTEGER PRIMARY KEY,"
	"  started_at INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  finished_at INTEGER,"
	"  status TEXT NOT NULL CHECK (status IN ('running','promoted','rejected','failed')),"
	"  trigger TEXT NOT NULL CHECK (trigger IN ('nightly','manual','cli')),"
	"  model_version TEXT,"
	"  metrics TEXT CHECK (metrics IS NULL OR json_valid(metrics)),"
	"  users INTEGER, items INTEGER, interactions INTEGER,"
	"  seconds REAL,"
	"  message TEXT"
	");"

	/* Admin-editable settings as JSON values ('control_share' → 0.1). */
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL CHECK (json_valid(value))"
	") WITHOUT ROWID;"
	"INSERT INTO settings(key, value) VALUES ('control_share', '0.1');";

/* Version 2: failed logins, for throttling per account and per address. */
static const char migration_0002_login_failures[] =
	"CREATE TABLE login_failures ("
	"  id INTEGER PRIMARY KEY,"
	"  login TEXT NOT NULL,"
	"  address TEXT NOT NULL,"
	"  at INTEGER NOT NULL DEFAULT (unixepoch())"
	");"
	"CREATE INDEX login_failures_by_login ON login_failures(login, at);"
	"CREATE INDEX login_failures_by_address ON login_failures(address, at);"
	/* Sessions end after an idle spell and at a hard limit: both need the times. */
	"ALTER TABLE sessions ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;";

/*
 * Version 3: content search. An FTS5 index with the trigram tokenizer over
 * the title, summary and body of items (external content: the text lives
 * once, in items), kept in step by triggers; trigrams find Chinese words of
 * three or more characters anywhere in the text (content/search.c scans for
 * shorter ones). Also indexes for "is this tag still used?".
 */
static const char migration_0003_content_search[] =
	"CREATE VIRTUAL TABLE items_fts USING fts5("
	"  title, summary, body_md, content='items', content_rowid='id', tokenize='trigram');"
	"CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN"
	"  INSERT INTO items_fts(rowid, title, summary, body_md)"
	"    VALUES (new.id, new.title, new.summary, new.body_md);"
	" END;"
	"CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN"
	"  INSERT INTO items_fts(items_fts, rowid, title, summary, body_md)"
	"    VALUES ('delete', old.id, old.title, old.summary, old.body_md);"
	" END;"
	"CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary, body_md ON items BEGIN"
	"  INSERT INTO items_fts(items_fts, rowid, title, summary, body_md)"
	"    VALUES ('delete', old.id, old.title, old.summary, old.body_md);"
	"  INSERT INTO items_fts(rowid, title, summary, body_md)"
	"    VALUES (new.id, new.title, new.summary, new.body_md);"
	" END;"
	"INSERT INTO items_fts(items_fts) VALUES ('rebuild');"
	"CREATE INDEX question_tags_by_tag ON question_tags(tag_code);"
	"CREATE INDEX user_risks_by_tag ON user_risks(tag_code);"
	"CREATE INDEX items_by_updated ON items(updated_at);";

/*
 * Version 4: the learner's state (model/learner.h has the maths). Each
 * cadre's general ability; behind each mastery value, the discipline's
 * deviation from it and the answers seen; each question's fitted
 * difficulty; the spaced-review schedule of each cadre on each question.
 */
static const char migration_0004_learner[] =
	"CREATE TABLE learner_ability ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
	"  ability REAL NOT NULL DEFAULT 0,"
	"  answers INTEGER NOT NULL DEFAULT 0,"
	"  updated_at INTEGER NOT NULL DEFAULT (unixepoch())"
	");"
	"ALTER TABLE mastery ADD COLUMN deviation REAL NOT NULL DEFAULT 0;"
	"ALTER TABLE mastery ADD COLUMN answers INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE question_stats ("
	"  question_id INTEGER PRIMARY KEY REFERENCES questions(id) ON DELETE CASCADE,"
	"  difficulty REAL NOT NULL,"
	"  answers INTEGER NOT NULL DEFAULT 0,"
	"  correct INTEGER NOT NULL DEFAULT 0,"
	"  updated_at INTEGER NOT NULL DEFAULT (unixepoch())"
	");"
	"CREATE TABLE reviews ("
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,"
	"  stability REAL NOT NULL CHECK (stability > 0),"
	"  difficulty REAL NOT NULL CHECK (difficulty BETWEEN 1 AND 10),"
	"  reps INTEGER NOT NULL DEFAULT 0,"
	"  lapses INTEGER NOT NULL DEFAULT 0,"
	"  last_correct INTEGER NOT NULL CHECK (last_correct IN (0,1)),"
	"  last_at INTEGER NOT NULL,"
	"  due_at INTEGER NOT NULL,"
	"  PRIMARY KEY (user_id, question_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX reviews_by_due ON reviews(user_id, due_at);";

/*
 * Version 5: how many cadres of each category completed each item, for the
 * feed's popularity (the control arm's ranking and the fallback without a
 * model) without counting all completions on every request. Kept exact by
 * triggers: a cadre's first completion of an item counts once for their
 * category ('' for none); a deleted last completion or a change of
 * category moves the count; an index of completions by cadre keeps those
 * triggers' look-ups short. Also catalogue_version, a counter bumped on
 * every change to items or their tags, which tells a worker when its
 * in-memory copy of the published library is stale.
 */
static const char migration_0005_item_popularity[] =
	"CREATE TABLE item_popularity ("
	"  category TEXT NOT NULL,"
	"  item_id INTEGER NOT NULL,"
	"  completers INTEGER NOT NULL,"
	"  PRIMARY KEY (category, item_id)"
	") WITHOUT ROWID;"
	/* Completions by cadre (a small share of events: impressions never enter it). */
	"CREATE INDEX events_completions ON events(user_id, item_id) WHERE kind = 'complete';"
	"INSERT INTO item_popularity(category, item_id, completers)"
	"  SELECT coalesce(u.category, ''), e.item_id, count(DISTINCT e.user_id)"
	"  FROM events e JOIN users u ON u.id = e.user_id"
	"  WHERE e.kind = 'complete' GROUP BY 1, 2;"
	"CREATE TRIGGER item_popularity_insert AFTER INSERT ON events"
	"  WHEN new.kind = 'complete' AND NOT EXISTS (SELECT 1 FROM events"
	"    WHERE user_id = new.user_id AND item_id = new.item_id AND kind = 'complete' AND id != new.id)"
	" BEGIN"
	"  INSERT INTO item_popularity(category, item_id, completers)"
	"    SELECT coalesce(category, ''), new.item_id, 1 FROM users WHERE id = new.user_id"
	"    ON CONFLICT(category, item_id) DO UPDATE SET completers = completers + 1;"
	" END;"
	"CREATE TRIGGER item_popularity_delete AFTER DELETE ON events"
	"  WHEN old.kind = 'complete' AND NOT EXISTS (SELECT 1 FROM events"
	"    WHERE user_id = old.user_id AND item_id = old.item_id AND kind = 'complete')"
	" BEGIN"
	"  UPDATE item_popularity SET completers = completers - 1"
	"    WHERE item_id = old.item_id"
	"      AND category = (SELECT coalesce(category, '') FROM users WHERE id = old.user_id);"
	" END;"
	/* The feed's workers keep the published library in memory while this stands still. */
	"CREATE TABLE catalogue_version (version INTEGER NOT NULL);"
	"INSERT INTO catalogue_version(version) VALUES (1);"
	"CREATE TRIGGER catalogue_items_insert AFTER INSERT ON items"
	" BEGIN UPDATE catalogue_version SET version = version + 1; END;"
	"CREATE TRIGGER catalogue_items_update AFTER UPDATE ON items"
	" BEGIN UPDATE catalogue_version SET version = version + 1; END;"
	"CREATE TRIGGER catalogue_items_delete AFTER DELETE ON items"
	" BEGIN UPDATE catalogue_version SET version = version + 1; END;"
	"CREATE TRIGGER catalogue_tags_insert AFTER INSERT ON item_tags"
	" BEGIN UPDATE catalogue_version SET version = version + 1; END;"
	"CREATE TRIGGER catalogue_tags_update AFTER UPDATE ON item_tags"
	" BEGIN UPDATE catalogue_version SET version = version + 1; END;"
	"CREATE TRIGGER catalogue_tags_delete AFTER DELETE ON item_tags"
	" BEGIN UPDATE catalogue_version SET version = version + 1; END;"
	"CREATE TRIGGER item_popularity_recategorise AFTER UPDATE OF category ON users"
	"  WHEN coalesce(old.category, '') != coalesce(new.category, '')"
	" BEGIN"
	"  UPDATE item_popularity SET completers = completers - 1"
	"    WHERE category = coalesce(old.category, '') AND item_id IN"
	"      (SELECT item_id FROM events WHERE user_id = new.id AND kind = 'complete');"
	"  INSERT INTO item_popularity(category, item_id, completers)"
	"    SELECT coalesce(new.category, ''), item_id, 1 FROM events"
	"    WHERE user_id = new.id AND kind = 'complete' GROUP BY item_id"
	"    ON CONFLICT(category, item_id) DO UPDATE SET completers = completers + 1;"
	" END;";

/*
 * Version 6: the supervisor's rollups, so the dashboard never scans events
 * per request (fcgi/supervisor-figures.c reads them; the tests recompute
 * every figure from events and answers). Days are China Standard Time days
 * numbered (t + 8 h) / 86400; months are yyyymm in China Standard Time.
 * Events and answers are append-only, so triggers on insert keep these
 * exact, whatever order rows arrive in (the simulator writes the past).
 *
 * Per cadre (the record of one person, and the source of the cells):
 *  - pushes: each (cadre, item) ever shown in a feed: its first impression
 *    and the first completion at or after it (NULL: never).
 *  - activity_days: per cadre and day, the open/progress/complete/dismiss
 *    events and the quiz answers.
 *  - completion_days: per cadre, item and day with a completion, the
 *    previous such day (NULL for the first): "completed in [F,T]" counts a
 *    pair once, at its first day in range, where prev_day < F or is NULL.
 *  - quizzes: per cadre and quiz (an item's questions, or a standalone
 *    question: quiz_key = item id, or minus the question id), the time of
 *    the first answer and how many of the first answers to its questions
 *    were right.
 *  - mastery_history: the last mastery value of each month per cadre and
 *    discipline, written by triggers wherever mastery is written.
 * Per cell, a cell being (counted, unit_id, category) with counted = 1 for
 * a cadre not disabled and category '' for none (the dashboard's sums; a
 * change of a user's unit, category, role or disabled moves their share):
 *  - push_cells: pushes by day first shown and day completed (2147483647:
 *    never);
 *  - active_cells: cadres by their first active day of each month (those
 *    active in a month up to day b are the rows of its days up to b);
 *  - quiz_cells: quizzes by day of first answer, questions and right ones;
 *  - hour_cells: completion_days rows by day and prev_day (-1: none), with
 *    the items' minutes (kept when an item's minutes change).
 */
/* An impression's pair into pushes: new, or shown earlier than recorded (migrations 6 and 9). */
#define PUSH_FROM_IMPRESSION \
	"  INSERT INTO pushes(user_id, item_id, shown_at, done_at)" \
	"    VALUES (new.user_id, new.item_id, new.created_at," \
	"      (SELECT min(created_at) FROM events WHERE user_id = new.user_id" \
	"        AND item_id = new.item_id AND kind = 'complete' AND created_at >= new.created_at))" \
	"    ON CONFLICT(user_id, item_id) DO UPDATE SET shown_at = excluded.shown_at," \
	"      done_at = excluded.done_at WHERE excluded.shown_at < pushes.shown_at;"
#define CST_DAY(t) "((" t ") + 28800) / 86400"
#define DAY_MONTH(d) "CAST(strftime('%Y%m', (" d ") * 86400, 'unixepoch') AS INTEGER)"
#define USER_CELL "(role = 'cadre' AND disabled = 0), unit_id, coalesce(category, '')"
static const char migration_0006_supervisor_rollups[] =
	"CREATE TABLE pushes ("
	"  user_id INTEGER NOT NULL,"
	"  item_id INTEGER NOT NULL,"
	"  shown_at INTEGER NOT NULL,"
	"  done_at INTEGER,"
	"  PRIMARY KEY (user_id, item_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE activity_days ("
	"  user_id INTEGER NOT NULL,"
	"  day INTEGER NOT NULL,"
	"  actions INTEGER NOT NULL DEFAULT 0,"
	"  answers INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (user_id, day)"
	") WITHOUT ROWID;"
	"CREATE INDEX activity_days_by_day ON activity_days(day, user_id);"
	"CREATE TABLE completion_days ("
	"  user_id INTEGER NOT NULL,"
	"  item_id INTEGER NOT NULL,"
	"  day INTEGER NOT NULL,"
	"  completions INTEGER NOT NULL,"
	"  prev_day INTEGER,"
	"  PRIMARY KEY (user_id, item_id, day)"
	") WITHOUT ROWID;"
	"CREATE INDEX completion_days_by_item ON completion_days(item_id);"
	"CREATE TABLE quizzes ("
	"  user_id INTEGER NOT NULL,"
	"  quiz_key INTEGER NOT NULL,"
	"  first_at INTEGER NOT NULL,"
	"  first_day INTEGER NOT NULL,"
	"  questions INTEGER NOT NULL,"
	"  correct INTEGER NOT NULL,"
	"  PRIMARY KEY (user_id, quiz_key)"
	") WITHOUT ROWID;"
	"CREATE TABLE mastery_history ("
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  tag_code TEXT NOT NULL,"
	"  month INTEGER NOT NULL,"
	"  value REAL NOT NULL,"
	"  PRIMARY KEY (user_id, tag_code, month)"
	") WITHOUT ROWID;"
	"CREATE TABLE push_cells ("
	"  counted INTEGER NOT NULL, shown_day INTEGER NOT NULL, unit_id INTEGER NOT NULL,"
	"  category TEXT NOT NULL, done_day INTEGER NOT NULL, pairs INTEGER NOT NULL,"
	"  PRIMARY KEY (counted, shown_day, unit_id, category, done_day)"
	") WITHOUT ROWID;"
	"CREATE TABLE active_cells ("
	"  counted INTEGER NOT NULL, day INTEGER NOT NULL,"
	"  unit_id INTEGER NOT NULL, category TEXT NOT NULL, users INTEGER NOT NULL,"
	"  PRIMARY KEY (counted, day, unit_id, category)"
	") WITHOUT ROWID;"
	"CREATE TABLE quiz_cells ("
	"  counted INTEGER NOT NULL, first_day INTEGER NOT NULL, unit_id INTEGER NOT NULL,"
	"  category TEXT NOT NULL, questions INTEGER NOT NULL, correct INTEGER NOT NULL,"
	"  quizzes INTEGER NOT NULL,"
	"  PRIMARY KEY (counted, first_day, unit_id, category, questions, correct)"
	") WITHOUT ROWID;"
	"CREATE TABLE hour_cells ("
	"  counted INTEGER NOT NULL, day INTEGER NOT NULL, unit_id INTEGER NOT NULL,"
	"  category TEXT NOT NULL, prev_day INTEGER NOT NULL, items INTEGER NOT NULL,"
	"  minutes INTEGER NOT NULL,"
	"  PRIMARY KEY (counted, day, unit_id, category, prev_day)"
	") WITHOUT ROWID;"
	/* The cadres of a unit, counted without reading their rows. */
	"CREATE INDEX users_by_role_unit ON users(role, unit_id, disabled, category);"
	/* A cadre's first answer to a question, for the quizzes' trigger. */
	"CREATE INDEX answers_by_user_question ON answers(user_id, question_id, created_at);"

	/* Backfill from what is there, before the triggers exist. */
	"INSERT INTO pushes(user_id, item_id, shown_at, done_at)"
	"  SELECT user_id, item_id, min(created_at), NULL FROM events"
	"  WHERE kind = 'impression' GROUP BY user_id, item_id;"
	"UPDATE pushes SET done_at = (SELECT min(e.created_at) FROM events e"
	"  WHERE e.user_id = pushes.user_id AND e.item_id = pushes.item_id"
	"    AND e.kind = 'complete' AND e.created_at >= pushes.shown_at);"
	"INSERT INTO activity_days(user_id, day, actions, answers)"
	"  SELECT user_id, day, sum(actions), sum(answers) FROM ("
	"    SELECT user_id, " CST_DAY("created_at") " AS day, 1 AS actions, 0 AS answers"
	"    FROM events WHERE kind IN ('open','progress','complete','dismiss')"
	"    UNION ALL SELECT user_id, " CST_DAY("created_at") ", 0, 1 FROM answers)"
	"  GROUP BY user_id, day;"
	"INSERT INTO completion_days(user_id, item_id, day, completions, prev_day)"
	"  SELECT user_id, item_id, day, n, lag(day) OVER (PARTITION BY user_id, item_id ORDER BY day)"
	"  FROM (SELECT user_id, item_id, " CST_DAY("created_at") " AS day, count(*) AS n"
	"    FROM events WHERE kind = 'complete' GROUP BY 1, 2, 3);"
	"INSERT INTO quizzes(user_id, quiz_key, first_at, first_day, questions, correct)"
	"  SELECT user_id, quiz_key, min(created_at), " CST_DAY("min(created_at)") ","
	"    count(*), sum(correct)"
	"  FROM (SELECT a.user_id, coalesce(q.item_id, -q.id) AS quiz_key, a.created_at, a.correct,"
	"      row_number() OVER (PARTITION BY a.user_id, a.question_id ORDER BY a.created_at, a.id) AS nth"
	"    FROM answers a JOIN questions q ON q.id = a.question_id)"
	"  WHERE nth = 1 GROUP BY user_id, quiz_key;"
	"INSERT INTO mastery_history(user_id, tag_code, month, value)"
	"  SELECT user_id, tag_code, CAST(strftime('%Y%m', updated_at + 28800, 'unixepoch') AS INTEGER), value"
	"  FROM mastery;"
	"INSERT INTO push_cells(counted, shown_day, unit_id, category, done_day, pairs)"
	"  SELECT u.role = 'cadre' AND u.disabled = 0, " CST_DAY("p.shown_at") ", u.unit_id,"
	"    coalesce(u.category, ''), coalesce(" CST_DAY("p.done_at") ", 2147483647), count(*)"
	"  FROM pushes p JOIN users u ON u.id = p.user_id GROUP BY 1, 2, 3, 4, 5;"
	"INSERT INTO active_cells(counted, day, unit_id, category, users)"
	"  SELECT u.role = 'cadre' AND u.disabled = 0, e.day, u.unit_id, coalesce(u.category, ''), count(*)"
	"  FROM (SELECT user_id, min(day) AS day FROM activity_days GROUP BY user_id, " DAY_MONTH("day") ") e"
	"  JOIN users u ON u.id = e.user_id GROUP BY 1, 2, 3, 4;"
	"INSERT INTO quiz_cells(counted, first_day, unit_id, category, questions, correct, quizzes)"
	"  SELECT u.role = 'cadre' AND u.disabled = 0, q.first_day, u.unit_id, coalesce(u.category, ''),"
	"    q.questions, q.correct, count(*)"
	"  FROM quizzes q JOIN users u ON u.id = q.user_id GROUP BY 1, 2, 3, 4, 5, 6;"
	"INSERT INTO hour_cells(counted, day, unit_id, category, prev_day, items, minutes)"
	"  SELECT u.role = 'cadre' AND u.disabled = 0, c.day, u.unit_id, coalesce(u.category, ''),"
	"    coalesce(c.prev_day, -1), count(*), sum(i.minutes)"
	"  FROM completion_days c JOIN users u ON u.id = c.user_id JOIN items i ON i.id = c.item_id"
	"  GROUP BY 1, 2, 3, 4, 5;"

	/* impressions and completions → pushes, completion_days */
	"CREATE TRIGGER pushes_impression AFTER INSERT ON events WHEN new.kind = 'impression' BEGIN"
	PUSH_FROM_IMPRESSION
	" END;"
	"CREATE TRIGGER pushes_complete AFTER INSERT ON events WHEN new.kind = 'complete' BEGIN"
	"  UPDATE pushes SET done_at = new.created_at"
	"    WHERE user_id = new.user_id AND item_id = new.item_id AND shown_at <= new.created_at"
	"      AND (done_at IS NULL OR done_at > new.created_at);"
	"  INSERT INTO completion_days(user_id, item_id, day, completions, prev_day)"
	"    VALUES (new.user_id, new.item_id, " CST_DAY("new.created_at") ", 1,"
	"      (SELECT max(day) FROM completion_days WHERE user_id = new.user_id"
	"        AND item_id = new.item_id AND day < " CST_DAY("new.created_at") "))"
	"    ON CONFLICT(user_id, item_id, day) DO UPDATE SET completions = completions + 1;"
	"  UPDATE completion_days SET prev_day = " CST_DAY("new.created_at")
	"    WHERE user_id = new.user_id AND item_id = new.item_id"
	"      AND day = (SELECT min(day) FROM completion_days WHERE user_id = new.user_id"
	"        AND item_id = new.item_id AND day > " CST_DAY("new.created_at") ");"
	" END;"
	"CREATE TRIGGER activity_days_event AFTER INSERT ON events"
	"  WHEN new.kind IN ('open','progress','complete','dismiss') BEGIN"
	"  INSERT INTO activity_days(user_id, day, actions, answers)"
	"    VALUES (new.user_id, " CST_DAY("new.created_at") ", 1, 0)"
	"    ON CONFLICT(user_id, day) DO UPDATE SET actions = actions + 1;"
	" END;"
	"CREATE TRIGGER activity_days_answer AFTER INSERT ON answers BEGIN"
	"  INSERT INTO activity_days(user_id, day, actions, answers)"
	"    VALUES (new.user_id, " CST_DAY("new.created_at") ", 0, 1)"
	"    ON CONFLICT(user_id, day) DO UPDATE SET answers = answers + 1;"
	" END;"
	/*
	 * A cadre's first answer to a question adds it to the quiz (one row
	 * per item, or per standalone question); an answer older than the
	 * first one already there (written out of order) recomputes the quiz
	 * from the first answers to its questions.
	 */
	"CREATE TRIGGER quizzes_answer AFTER INSERT ON answers"
	"  WHEN NOT EXISTS (SELECT 1 FROM answers WHERE user_id = new.user_id AND question_id = new.question_id"
	"    AND id != new.id) BEGIN"
	"  INSERT INTO quizzes(user_id, quiz_key, first_at, first_day, questions, correct)"
	"    SELECT new.user_id, coalesce(item_id, -id), new.created_at, " CST_DAY("new.created_at") ", 1,"
	"      new.correct FROM questions WHERE id = new.question_id"
	"    ON CONFLICT(user_id, quiz_key) DO UPDATE SET questions = questions + 1,"
	"      correct = correct + excluded.correct, first_at = min(first_at, excluded.first_at),"
	"      first_day = min(first_day, excluded.first_day);"
	" END;"
	"CREATE TRIGGER quizzes_answer_earlier AFTER INSERT ON answers"
	"  WHEN EXISTS (SELECT 1 FROM answers WHERE user_id = new.user_id AND question_id = new.question_id"
	"    AND id != new.id)"
	"  AND NOT EXISTS (SELECT 1 FROM answers WHERE user_id = new.user_id AND question_id = new.question_id"
	"    AND (created_at < new.created_at OR (created_at = new.created_at AND id < new.id))) BEGIN"
	"  DELETE FROM quizzes WHERE user_id = new.user_id AND quiz_key ="
	"    (SELECT coalesce(item_id, -id) FROM questions WHERE id = new.question_id);"
	"  INSERT INTO quizzes(user_id, quiz_key, first_at, first_day, questions, correct)"
	"    SELECT new.user_id, k.quiz_key, min(f.created_at), " CST_DAY("min(f.created_at)") ","
	"      count(*), sum(f.correct)"
	"    FROM (SELECT item_id, id, coalesce(item_id, -id) AS quiz_key FROM questions"
	"      WHERE id = new.question_id) k"
	"    JOIN questions q ON q.item_id = k.item_id OR q.id = k.id"
	"    JOIN answers f ON f.id = (SELECT id FROM answers WHERE user_id = new.user_id"
	"      AND question_id = q.id ORDER BY created_at, id LIMIT 1)"
	"    GROUP BY k.quiz_key;"
	" END;"
	"CREATE TRIGGER mastery_history_insert AFTER INSERT ON mastery BEGIN"
	"  INSERT INTO mastery_history(user_id, tag_code, month, value)"
	"    VALUES (new.user_id, new.tag_code,"
	"      CAST(strftime('%Y%m', new.updated_at + 28800, 'unixepoch') AS INTEGER), new.value)"
	"    ON CONFLICT(user_id, tag_code, month) DO UPDATE SET value = excluded.value;"
	" END;"
	/*
	 * fcgi/learner.c moves a cadre's other disciplines after an answer
	 * without touching updated_at: the answer just recorded dates those.
	 */
	"CREATE TRIGGER mastery_history_update AFTER UPDATE OF value, updated_at ON mastery BEGIN"
	"  INSERT INTO mastery_history(user_id, tag_code, month, value)"
	"    VALUES (new.user_id, new.tag_code, CAST(strftime('%Y%m', 28800 + CASE"
	"      WHEN new.updated_at != old.updated_at THEN new.updated_at"
	"      ELSE coalesce((SELECT max(created_at) FROM answers WHERE user_id = new.user_id), unixepoch())"
	"      END, 'unixepoch') AS INTEGER), new.value)"
	"    ON CONFLICT(user_id, tag_code, month) DO UPDATE SET value = excluded.value;"
	" END;"

	/* per-cadre rows → cells */
	"CREATE TRIGGER push_cells_insert AFTER INSERT ON pushes BEGIN"
	"  INSERT INTO push_cells(counted, unit_id, category, shown_day, done_day, pairs)"
	"    SELECT " USER_CELL ", " CST_DAY("new.shown_at") ","
	"      coalesce(" CST_DAY("new.done_at") ", 2147483647), 1 FROM users WHERE id = new.user_id"
	"    ON CONFLICT DO UPDATE SET pairs = pairs + 1;"
	" END;"
	"CREATE TRIGGER push_cells_update AFTER UPDATE ON pushes BEGIN"
	"  INSERT INTO push_cells(counted, unit_id, category, shown_day, done_day, pairs)"
	"    SELECT " USER_CELL ", " CST_DAY("old.shown_at") ","
	"      coalesce(" CST_DAY("old.done_at") ", 2147483647), -1 FROM users WHERE id = old.user_id"
	"    ON CONFLICT DO UPDATE SET pairs = pairs - 1;"
	"  INSERT INTO push_cells(counted, unit_id, category, shown_day, done_day, pairs)"
	"    SELECT " USER_CELL ", " CST_DAY("new.shown_at") ","
	"      coalesce(" CST_DAY("new.done_at") ", 2147483647), 1 FROM users WHERE id = new.user_id"
	"    ON CONFLICT DO UPDATE SET pairs = pairs + 1;"
	"  DELETE FROM push_cells WHERE pairs = 0 AND counted IN (0, 1)"
	"    AND shown_day = " CST_DAY("old.shown_at") ";"
	" END;"
	/* A day before a cadre's first active day of its month moves it there. */
#define OTHER_DAYS_OF_MONTH "(SELECT min(day) FROM activity_days WHERE user_id = new.user_id" \
	" AND day != new.day AND day BETWEEN" \
	" new.day + 1 - CAST(strftime('%d', new.day * 86400, 'unixepoch') AS INTEGER) AND" \
	" unixepoch(new.day * 86400, 'unixepoch', 'start of month', '+1 month') / 86400 - 1)"
	"CREATE TRIGGER active_cells_first AFTER INSERT ON activity_days"
	"  WHEN coalesce(new.day < " OTHER_DAYS_OF_MONTH ", 1) BEGIN"
	"  UPDATE active_cells SET users = users - 1 WHERE counted IN (0, 1)"
	"    AND day = " OTHER_DAYS_OF_MONTH " AND (counted, unit_id, category) ="
	"    (SELECT " USER_CELL " FROM users WHERE id = new.user_id);"
	"  DELETE FROM active_cells WHERE counted IN (0, 1) AND users = 0 AND day = " OTHER_DAYS_OF_MONTH ";"
	"  INSERT INTO active_cells(counted, unit_id, category, day, users)"
	"    SELECT " USER_CELL ", new.day, 1 FROM users WHERE id = new.user_id"
	"    ON CONFLICT DO UPDATE SET users = users + 1;"
	" END;"
#undef OTHER_DAYS_OF_MONTH
	"CREATE TRIGGER quiz_cells_insert AFTER INSERT ON quizzes BEGIN"
	"  INSERT INTO quiz_cells(counted, unit_id, category, first_day, questions, correct, quizzes)"
	"    SELECT " USER_CELL ", new.first_day, new.questions, new.correct, 1"
	"    FROM users WHERE id = new.user_id"
	"    ON CONFLICT DO UPDATE SET quizzes = quizzes + 1;"
	" END;"
	"CREATE TRIGGER quiz_cells_update AFTER UPDATE ON quizzes BEGIN"
	"  UPDATE quiz_cells SET quizzes = quizzes - 1 WHERE (counted, unit_id, category) ="
	"    (SELECT " USER_CELL " FROM users WHERE id = old.user_id)"
	"    AND first_day = old.first_day AND questions = old.questions AND correct = old.correct;"
	"  DELETE FROM quiz_cells WHERE quizzes = 0 AND counted IN (0, 1) AND first_day = old.first_day;"
	"  INSERT INTO quiz_cells(counted, unit_id, category, first_day, questions, correct, quizzes)"
	"    SELECT " USER_CELL ", new.first_day, new.questions, new.correct, 1"
	"    FROM users WHERE id = new.user_id"
	"    ON CONFLICT DO UPDATE SET quizzes = quizzes + 1;"
	" END;"
	"CREATE TRIGGER quiz_cells_delete AFTER DELETE ON quizzes BEGIN"
	"  UPDATE quiz_cells SET quizzes = quizzes - 1 WHERE (counted, unit_id, category) ="
	"    (SELECT " USER_CELL " FROM users WHERE id = old.user_id)"
	"    AND first_day = old.first_day AND questions = old.questions AND correct = old.correct;"
	"  DELETE FROM quiz_cells WHERE quizzes = 0 AND counted IN (0, 1) AND first_day = old.first_day;"
	" END;"
	"CREATE TRIGGER hour_cells_insert AFTER INSERT ON completion_days BEGIN"
	"  INSERT INTO hour_cells(counted, unit_id, category, day, prev_day, items, minutes)"
	"    SELECT " USER_CELL ", new.day, coalesce(new.prev_day, -1), 1,"
	"      (SELECT minutes FROM items WHERE id = new.item_id) FROM users WHERE id = new.user_id"
	"    ON CONFLICT DO UPDATE SET items = items + 1, minutes = minutes + excluded.minutes;"
	" END;"
	"CREATE TRIGGER hour_cells_update AFTER UPDATE OF prev_day ON completion_days"
	"  WHEN new.prev_day IS NOT old.prev_day BEGIN"
	"  INSERT INTO hour_cells(counted, unit_id, category, day, prev_day, items, minutes)"
	"    SELECT " USER_CELL ", old.day, coalesce(old.prev_day, -1), -1,"
	"      -(SELECT minutes FROM items WHERE id = old.item_id) FROM users WHERE id = old.user_id"
	"    ON CONFLICT DO UPDATE SET items = items - 1, minutes = minutes + excluded.minutes;"
	"  INSERT INTO hour_cells(counted, unit_id, category, day, prev_day, items, minutes)"
	"    SELECT " USER_CELL ", new.day, coalesce(new.prev_day, -1), 1,"
	"      (SELECT minutes FROM items WHERE id = new.item_id) FROM users WHERE id = new.user_id"
	"    ON CONFLICT DO UPDATE SET items = items + 1, minutes = minutes + excluded.minutes;"
	"  DELETE FROM hour_cells WHERE items = 0 AND counted IN (0, 1) AND day = old.day;"
	" END;"
	/* An item's new length re-credits every completion of it. */
	"CREATE TRIGGER hour_cells_minutes AFTER UPDATE OF minutes ON items"
	"  WHEN new.minutes != old.minutes BEGIN"
	"  INSERT INTO hour_cells(counted, unit_id, category, day, prev_day, items, minutes)"
	"    SELECT u.role = 'cadre' AND u.disabled = 0, u.unit_id, coalesce(u.category, ''), c.day,"
	"      coalesce(c.prev_day, -1), 0, (new.minutes - old.minutes) * count(*)"
	"    FROM completion_days c JOIN users u ON u.id = c.user_id WHERE c.item_id = new.id"
	"    GROUP BY 1, 2, 3, 4, 5"
	"    ON CONFLICT DO UPDATE SET minutes = minutes + excluded.minutes;"
	" END;"
	/* A user who moves unit or category, or stops or starts counting, takes their share along. */
	"CREATE TRIGGER cells_user_moves AFTER UPDATE OF unit_id, category, role, disabled ON users"
	"  WHEN (old.role = 'cadre' AND old.disabled = 0) != (new.role = 'cadre' AND new.disabled = 0)"
	"    OR old.unit_id != new.unit_id OR coalesce(old.category, '') != coalesce(new.category, '')"
	" BEGIN"
	"  INSERT INTO push_cells(counted, unit_id, category, shown_day, done_day, pairs)"
	"    SELECT old.role = 'cadre' AND old.disabled = 0, old.unit_id, coalesce(old.category, ''),"
	"      " CST_DAY("shown_at") ", coalesce(" CST_DAY("done_at") ", 2147483647), -count(*)"
	"    FROM pushes WHERE user_id = old.id GROUP BY 4, 5"
	"    ON CONFLICT DO UPDATE SET pairs = pairs + excluded.pairs;"
	"  INSERT INTO push_cells(counted, unit_id, category, shown_day, done_day, pairs)"
	"    SELECT new.role = 'cadre' AND new.disabled = 0, new.unit_id, coalesce(new.category, ''),"
	"      " CST_DAY("shown_at") ", coalesce(" CST_DAY("done_at") ", 2147483647), count(*)"
	"    FROM pushes WHERE user_id = new.id GROUP BY 4, 5"
	"    ON CONFLICT DO UPDATE SET pairs = pairs + excluded.pairs;"
	"  DELETE FROM push_cells WHERE pairs = 0 AND counted IN (0, 1);"
	"  INSERT INTO active_cells(counted, unit_id, category, day, users)"
	"    SELECT old.role = 'cadre' AND old.disabled = 0, old.unit_id, coalesce(old.category, ''),"
	"      min(day), -1 FROM activity_days WHERE user_id = old.id GROUP BY " DAY_MONTH("day")
	"    ON CONFLICT DO UPDATE SET users = users - 1;"
	"  INSERT INTO active_cells(counted, unit_id, category, day, users)"
	"    SELECT new.role = 'cadre' AND new.disabled = 0, new.unit_id, coalesce(new.category, ''),"
	"      min(day), 1 FROM activity_days WHERE user_id = new.id GROUP BY " DAY_MONTH("day")
	"    ON CONFLICT DO UPDATE SET users = users + 1;"
	"  DELETE FROM active_cells WHERE users = 0 AND counted IN (0, 1);"
	"  INSERT INTO quiz_cells(counted, unit_id, category, first_day, questions, correct, quizzes)"
	"    SELECT old.role = 'cadre' AND old.disabled = 0, old.unit_id, coalesce(old.category, ''),"
	"      first_day, questions, correct, -count(*) FROM quizzes WHERE user_id = old.id GROUP BY 4, 5, 6"
	"    ON CONFLICT DO UPDATE SET quizzes = quizzes + excluded.quizzes;"
	"  INSERT INTO quiz_cells(counted, unit_id, category, first_day, questions, correct, quizzes)"
	"    SELECT new.role = 'cadre' AND new.disabled = 0, new.unit_id, coalesce(new.category, ''),"
	"      first_day, questions, correct, count(*) FROM quizzes WHERE user_id = new.id GROUP BY 4, 5, 6"
	"    ON CONFLICT DO UPDATE SET quizzes = quizzes + excluded.quizzes;"
	"  DELETE FROM quiz_cells WHERE quizzes = 0 AND counted IN (0, 1);"
	"  INSERT INTO hour_cells(counted, unit_id, category, day, prev_day, items, minutes)"
	"    SELECT old.role = 'cadre' AND old.disabled = 0, old.unit_id, coalesce(old.category, ''),"
	"      c.day, coalesce(c.prev_day, -1), -count(*), -sum(i.minutes)"
	"    FROM completion_days c JOIN items i ON i.id = c.item_id WHERE c.user_id = old.id GROUP BY 4, 5"
	"    ON CONFLICT DO UPDATE SET items = items + excluded.items, minutes = minutes + excluded.minutes;"
	"  INSERT INTO hour_cells(counted, unit_id, category, day, prev_day, items, minutes)"
	"    SELECT new.role = 'cadre' AND new.disabled = 0, new.unit_id, coalesce(new.category, ''),"
	"      c.day, coalesce(c.prev_day, -1), count(*), sum(i.minutes)"
	"    FROM completion_days c JOIN items i ON i.id = c.item_id WHERE c.user_id = new.id GROUP BY 4, 5"
	"    ON CONFLICT DO UPDATE SET items = items + excluded.items, minutes = minutes + excluded.minutes;"
	"  DELETE FROM hour_cells WHERE items = 0 AND counted IN (0, 1);"
	" END;";
#undef DAY_MONTH
#undef USER_CELL

/*
 * Version 7: mandatory study campaigns (专题学习) and the unit evaluation
 * model (立体评估). A campaign's target is a set of (kind, value) rows read
 * at request time, never a snapshot of people: kinds combine with AND,
 * values of one kind with OR, a unit stands for its subtree. Its quiz is a
 * set of questions with a pass mark. Dates are China Standard Time days:
 * start_at is the first second of the start day, deadline_at the first
 * second after the deadline day. evaluation_scores holds the behaviour and
 * feedback scores supervisors enter per period (YYYY-MM), for a unit or a
 * cadre, with their source; one row per (period, component, subject), the
 * audit log keeps what each row replaced.
 */
static const char migration_0007_campaigns_evaluation[] =
	"CREATE TABLE campaigns ("
	"  id INTEGER PRIMARY KEY,"
	"  title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),"
	"  description TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','closed')),"
	"  start_date TEXT NOT NULL,"
	"  deadline_date TEXT NOT NULL,"
	"  start_at INTEGER NOT NULL,"
	"  deadline_at INTEGER NOT NULL CHECK (deadline_at > start_at),"
	"  pass_mark REAL CHECK (pass_mark IS NULL OR pass_mark BETWEEN 0 AND 1),"
	"  created_by INTEGER REFERENCES users(id),"
	"  created_at INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  updated_at INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  closed_at INTEGER"
	");"
	"CREATE INDEX campaigns_live ON campaigns(status, start_at, deadline_at);"
	"CREATE TABLE campaign_items ("
	"  campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,"
	"  item_id INTEGER NOT NULL REFERENCES items(id),"
	"  position INTEGER NOT NULL,"
	"  PRIMARY KEY (campaign_id, item_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE campaign_questions ("
	"  campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,"
	"  question_id INTEGER NOT NULL REFERENCES questions(id),"
	"  PRIMARY KEY (campaign_id, question_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE campaign_targets ("
	"  campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('unit','category','industry','risk','user')),"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (campaign_id, kind, value)"
	") WITHOUT ROWID;"
	"CREATE TABLE evaluation_scores ("
	"  id INTEGER PRIMARY KEY,"
	"  period TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),"
	"  component TEXT NOT NULL CHECK (component IN ('behaviour','feedback')),"
	"  unit_id INTEGER REFERENCES units(id),"
	"  user_id INTEGER REFERENCES users(id),"
	"  score REAL NOT NULL CHECK (score BETWEEN 0 AND 100),"
	"  source TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 200),"
	"  entered_by INTEGER REFERENCES users(id),"
	"  entered_at INTEGER NOT NULL DEFAULT (unixepoch()),"
	"  CHECK ((unit_id IS NULL) != (user_id IS NULL))"
	");"
	"CREATE UNIQUE INDEX evaluation_scores_by_unit ON evaluation_scores(period, component, unit_id)"
	"  WHERE unit_id IS NOT NULL;"
	"CREATE UNIQUE INDEX evaluation_scores_by_user ON evaluation_scores(period, component, user_id)"
	"  WHERE user_id IS NOT NULL;"
	/* Feed slots for campaign items, and the evaluation weights (percent), as admin settings. */
	"INSERT INTO settings(key, value) VALUES ('campaign_feed_slots', '3'),"
	"  ('evaluation_weight_knowledge', '30'), ('evaluation_weight_behaviour', '40'),"
	"  ('evaluation_weight_feedback', '20'), ('evaluation_weight_data', '10');";

/*
 * Version 8: a cadre's engagement with items (every event but impressions),
 * which the feed reads twice per request, without reading their impressions:
 * a cadre who opens the feed often has many more of those, and the plain
 * events_by_user index made the feed's cost grow with them.
 */
static const char migration_0008_engagement_index[] =
	"CREATE INDEX events_engagement ON events(user_id, item_id, kind, created_at, value)"
	"  WHERE kind != 'impression';";

/*
 * Version 9, for the feed's cost:
 *  - the feed's workers keep tag labels in their catalogue too, so a change
 *    to the tags moves catalogue_version;
 *  - the control arm reads a category's most completed items first, from
 *    an index in that order;
 *  - impressions, most of all rows and written by every feed, stay out of
 *    events_by_item (nothing looks impressions up by item), and an
 *    impression of a pair already pushed earlier skips the pushes trigger's
 *    body, which would change nothing;
 *  - a constant IN list in a CHECK constraint or a trigger's WHEN is built
 *    into a temporary b-tree on every row inserted: events' kind check is
 *    rewritten as the same test by equalities (in the stored schema, as
 *    SQLite documents for a change of CHECK that leaves the rows as they
 *    are; the DDL after it moves the schema cookie, so every connection
 *    reads it anew), and the activity trigger asks "not an impression",
 *    which the check makes the same set.
 */
static const char migration_0009_feed_catalogue[] =
	"CREATE TRIGGER catalogue_labels_insert AFTER INSERT ON tags"
	" BEGIN UPDATE catalogue_version SET version = version + 1; END;"
	"CREATE TRIGGER catalogue_labels_update AFTER UPDATE ON tags"
	" BEGIN UPDATE catalogue_version SET version = version + 1; END;"
	"CREATE TRIGGER catalogue_labels_delete AFTER DELETE ON tags"
	" BEGIN UPDATE catalogue_version SET version = version + 1; END;"
	"CREATE INDEX item_popularity_ranked ON item_popularity(category, completers DESC, item_id);"
	"DROP INDEX events_by_item;"
	"CREATE INDEX events_by_item ON events(item_id, kind) WHERE kind != 'impression';"
	"PRAGMA writable_schema = ON;"
	"UPDATE sqlite_schema SET sql = replace(sql,"
	"  'CHECK (kind IN    (''impression'',''open'',''progress'',''complete'',''dismiss''))',"
	"  'CHECK (kind = ''impression'' OR kind = ''open'' OR kind = ''progress''"
	" OR kind = ''complete'' OR kind = ''dismiss'')')"
	"  WHERE type = 'table' AND name = 'events';"
	"PRAGMA writable_schema = OFF;"
	"DROP TRIGGER activity_days_event;"
	"CREATE TRIGGER activity_days_event AFTER INSERT ON events WHEN new.kind != 'impression' BEGIN"
	"  INSERT INTO activity_days(user_id, day, actions, answers)"
	"    VALUES (new.user_id, " CST_DAY("new.created_at") ", 1, 0)"
	"    ON CONFLICT(user_id, day) DO UPDATE SET actions = actions + 1;"
	" END;"
	"DROP TRIGGER pushes_impression;"
	"CREATE TRIGGER pushes_impression AFTER INSERT ON events WHEN new.kind = 'impression'"
	"  AND NOT EXISTS (SELECT 1 FROM pushes WHERE user_id = new.user_id AND item_id = new.item_id"
	"    AND shown_at <= new.created_at) BEGIN"
	PUSH_FROM_IMPRESSION
	" END;";

#undef CST_DAY
#undef PUSH_FROM_IMPRESSION

static const char *const migrations[] = {
	migration_0001_initial,
	migration_0002_login_failures,
	migration_0003_content_search,
	migration_0004_learner,
	migration_0005_item_popularity,
	migration_0006_supervisor_rollups,
	migration_0007_campaigns_evaluation,
	migration_0008_engagement_index,
	migration_0009_feed_catalogue,
};

#define MIGRATION_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

int
db_schema_latest(void)
{
	return MIGRATION_COUNT;
}

int
db_schema_version(sqlite3 *db, struct qf_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int version = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_ROW) {
		qf_error_set(err, "cannot read schema version: %s", sqlite3_errmsg(db));
		goto out;
	}
	version = sqlite3_column_int(stmt, 0);
out:
	sqlite3_finalize(stmt);
	return version;
}

int
db_migrate(sqlite3 *db, struct qf_error *err)
{
	char sql[64];
	int version;

	/* IMMEDIATE: two processes starting together migrate one after the other. */
	if (db_exec(db, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if ((version = db_schema_version(db, err)) < 0)
		goto rollback;
	if (version > MIGRATION_COUNT) {
		qf_error_set(err, "database schema version %d is newer than this "
		    "program's %d: upgrade qingfeng", version, MIGRATION_COUNT);
		goto rollback;
	}
	for (int v = version; v < MIGRATION_COUNT; v++) {
		if (db_exec(db, migrations[v], err) < 0) {
			qf_error_set(err, "migration %d failed", v + 1);
			goto rollback;
		}
	}
	if (version < MIGRATION_COUNT) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", MIGRATION_COUNT);
		if (db_exec(db, sql, err) < 0)
			goto rollback;
	}
	if (db_exec(db, "COMMIT", err) < 0)
		goto rollback;
	return MIGRATION_COUNT;
rollback:
	db_exec(db, "ROLLBACK", NULL);
	return -1;
}
