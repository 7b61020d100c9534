/*
 * lock.c — one training run at a time per model file: an exclusive flock
 * on "<model>.lock", taken without waiting (a nightly run that finds
 * another still going should say so and stop, not queue behind it). The
 * lock file is never removed: unlinking a lock file lets a third process
 * lock a new inode while the second still holds the old one.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "extern.h"

/*
 * Removes what a killed run leaves in the model's directory: the staged
 * "<name>.next" and model_file_write's "<name>.tmp.XXXXXX" and
 * "<name>.next.tmp.XXXXXX". Called with the lock held, so no live writer
 * owns them.
 */
static void
remove_stale_temporaries(const char *model_path)
{
	const char *slash = strrchr(model_path, '/');
	const char *base = slash ? slash + 1 : model_path;
	char dir[4096], prefix[2][512], next[512], path[8192];
	size_t len, dir_len;
	struct dirent *d;
	DIR *dp;
	int p, stale;

	dir_len = slash == NULL ? 1 : slash == model_path ? 1 :
	    (size_t)(slash - model_path);
	if (dir_len >= sizeof(dir) ||
	    snprintf(prefix[0], sizeof(prefix[0]), "%s.tmp.", base) >=
	    (int)sizeof(prefix[0]) ||
	    snprintf(prefix[1], sizeof(prefix[1]), "%s.next.tmp.", base) >=
	    (int)sizeof(prefix[1]) ||
	    snprintf(next, sizeof(next), "%s.next", base) >= (int)sizeof(next))
		return;
	if (slash == NULL)
		memcpy(dir, ".", 2);
	else {
		memcpy(dir, model_path, dir_len);
		dir[dir_len] = '\0';
	}
	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		stale = strcmp(d->d_name, next) == 0;
		for (p = 0; p < 2 && !stale; p++) {
			len = strlen(prefix[p]);
			stale = strncmp(d->d_name, prefix[p], len) == 0 &&
			    strlen(d->d_name) == len + 6;
		}
		if (!stale)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (unlink(path) == 0)
			fprintf(stderr, "qingfeng-train: removed %s, left by a run "
			    "that was stopped\n", path);
	}
	closedir(dp);
}

int
train_lock(const char *model_path, struct qf_error *err)
{
	char path[4096];
	int fd;

	if (snprintf(path, sizeof(path), "%s.lock", model_path) >=
	    (int)sizeof(path)) {
		qf_error_set(err, "%s: path too long", model_path);
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		qf_error_set(err, "cannot open the lock file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			qf_error_set(err, "another training run holds %s: "
			    "not starting a second one", path);
		else
			qf_error_set(err, "cannot lock %s: %s", path,
			    strerror(errno));
		close(fd);
		return -1;
	}
	remove_stale_temporaries(model_path);
	return fd;
}
