/*
 * model-serving.c — the model a worker serves from. It is loaded at start
 * and, between requests, replaced when the trainer renames a new file into
 * place; a file that fails validation is refused (once, in the log) and the
 * model already in service stays. With a model key (--model-key) a file
 * must also carry the trainer's signature: an unsigned or altered one is
 * refused the same way. No request ever sees half a model.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "extern.h"

/* How often a worker looks at the model file: cheap, but not per request. */
#define MODEL_CHECK_EVERY_US (500 * 1000)

/* 1 when the file at 'path' is the one that failed before (not worth another try). */
static int
model_is_known_bad(const struct app *app, const struct stat *st)
{
	return app->model_bad_ino == (uint64_t)st->st_ino && app->model_bad_dev == (uint64_t)st->st_dev &&
	    app->model_bad_mtime == (int64_t)st->st_mtime && app->model_bad_size == (int64_t)st->st_size;
}

void
app_model_refresh(struct app *app, int force)
{
	const char *path = app->config->model_path;
	struct qf_error err;
	struct model *fresh;
	struct stat st;
	int64_t now = clock_monotonic_us();

	if (path == NULL || (!force && now - app->model_checked_us < MODEL_CHECK_EVERY_US))
		return;
	app->model_checked_us = now;
	if (stat(path, &st) < 0)
		return;                 /* none yet, or removed: keep what is in service */
	if (app->model != NULL && model_file_changed(app->model, path) != 1)
		return;
	if (model_is_known_bad(app, &st))
		return;
	qf_error_init(&err);
	fresh = model_load(path, &err);
	if (fresh != NULL && app->config->have_model_key &&
	    model_signature_verify(fresh, app->config->model_key, &err) < 0) {
		model_unload(fresh);
		fresh = NULL;
	}
	if (fresh == NULL) {
		log_error("model %s refused, %s: %s", path,
		    app->model ? "the model in service stays" : "serving without a model", err.text);
		app->model_bad_ino = (uint64_t)st.st_ino;
		app->model_bad_dev = (uint64_t)st.st_dev;
		app->model_bad_mtime = (int64_t)st.st_mtime;
		app->model_bad_size = (int64_t)st.st_size;
		return;
	}
	if (app->model != NULL)
		log_info("model %016llx replaces %016llx", (unsigned long long)fresh->checksum,
		    (unsigned long long)app->model->checksum);
	else
		log_info("model %016llx loaded: %u users, %u items, k=%u",
		    (unsigned long long)fresh->checksum, fresh->n_users, fresh->n_items, fresh->k);
	model_unload(app->model);
	app->model = fresh;
}

void
app_model_version(const struct app *app, char out[static 17])
{
	snprintf(out, 17, "%016llx", app->model ? (unsigned long long)app->model->checksum : 0ULL);
}
