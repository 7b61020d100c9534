/*
 * server.c — the supervisor process: migrate the database, open the socket,
 * fork the workers, restart any that die, and on SIGTERM or SIGINT stop
 * taking connections and let the workers finish within the grace period.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"

/* A worker that dies sooner than this after its start is failing, not crashing once. */
#define WORKER_QUICK_DEATH_US (1000 * 1000)
#define WORKER_RESTART_DELAY_MAX_US (5 * 1000 * 1000)

static volatile sig_atomic_t server_stop_signal;

static void
server_on_stop_signal(int signo)
{
	server_stop_signal = signo;
}

static void
server_on_child_signal(int signo)
{
	(void)signo;  /* only wakes sigsuspend */
}

/* Migrates the database once, before any worker opens it. */
static int
server_prepare_database(const char *path)
{
	struct qf_error err;
	sqlite3 *db;
	int version;

	qf_error_init(&err);
	if ((db = db_open(path, DB_OPEN_CREATE, &err)) == NULL) {
		log_error("%s", err.text);
		return -1;
	}
	version = db_migrate(db, &err);
	db_close(db);
	if (version < 0) {
		log_error("database %s: %s", path, err.text);
		return -1;
	}
	log_info("database %s at schema version %d", path, version);
	return 0;
}

/*
 * Binds the listening socket at 'path' with 'mode'. A socket file left by a
 * dead server is replaced; a live server's, or a file that is not a socket,
 * is refused. With 'group', the file is given to that group, so that the web
 * server's workers may connect through mode 0660 and nobody else may.
 * Returns the descriptor (non-blocking, close-on-exec) or -1.
 */
static int
server_listen(const char *path, unsigned mode, const char *group)
{
	struct sockaddr_un addr;
	struct stat st;
	int fd;

	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		log_error("socket path too long (%zu bytes at most): %s",
		    sizeof(addr.sun_path) - 1, path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		log_error("socket: %s", strerror(errno));
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_error("%s exists and is not a socket: refusing to replace it", path);
			goto err;
		}
		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 || errno == EAGAIN) {
			log_error("another server is listening on %s", path);
			goto err;
		}
		close(fd);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
			log_error("socket: %s", strerror(errno));
			return -1;
		}
		unlink(path);
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		log_error("bind %s: %s", path, strerror(errno));
		goto err;
	}
	if (group != NULL) {
		struct group *gr = getgrnam(group);

		if (gr == NULL || chown(path, (uid_t)-1, gr->gr_gid) < 0) {
			log_error("cannot give %s to group %s: %s", path, group,
			    gr == NULL ? "no such group" : strerror(errno));
			unlink(path);
			goto err;
		}
	}
	if (chmod(path, mode) < 0) {
		log_error("chmod %s: %s", path, strerror(errno));
		unlink(path);
		goto err;
	}
	if (listen(fd, SOMAXCONN) < 0) {
		log_error("listen %s: %s", path, strerror(errno));
		unlink(path);
		goto err;
	}
	return fd;
err:
	close(fd);
	return -1;
}

struct worker_slot {
	pid_t pid;
	int64_t started_us;
	int64_t restart_delay_us;
};

static pid_t
server_spawn_worker(const struct server_config *config, int listen_fd, struct worker_slot *slot)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		worker_main(config, listen_fd);
	}
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		return -1;
	}
	slot->pid = pid;
	slot->started_us = clock_monotonic_us();
	return pid;
}

static struct worker_slot *
server_find_slot(struct worker_slot *slots, int count, pid_t pid)
{
	for (int i = 0; i < count; i++)
		if (slots[i].pid == pid)
			return &slots[i];
	return NULL;
}

static int
server_live_workers(const struct worker_slot *slots, int count)
{
	int live = 0;

	for (int i = 0; i < count; i++)
		live += slots[i].pid > 0;
	return live;
}

/* Reaps every exited worker; logs how each ended. */
static void
server_reap(struct worker_slot *slots, int count, int stopping)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct worker_slot *slot = server_find_slot(slots, count, pid);

		if (slot == NULL)
			continue;
		slot->pid = 0;
		if (WIFSIGNALED(status))
			log_warn("worker %ld killed by signal %d", (long)pid, WTERMSIG(status));
		else if (WEXITSTATUS(status) != 0 || !stopping)
			log_warn("worker %ld exited with status %d", (long)pid, WEXITSTATUS(status));
		/* Back off when workers die right after starting (bad database, ...). */
		if (clock_monotonic_us() - slot->started_us < WORKER_QUICK_DEATH_US) {
			slot->restart_delay_us = slot->restart_delay_us ? slot->restart_delay_us * 2 : 100000;
			if (slot->restart_delay_us > WORKER_RESTART_DELAY_MAX_US)
				slot->restart_delay_us = WORKER_RESTART_DELAY_MAX_US;
		} else
			slot->restart_delay_us = 0;
	}
}

/* Sends 'signo' to every live worker. */
static void
server_signal_workers(const struct worker_slot *slots, int count, int signo)
{
	for (int i = 0; i < count; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, signo);
}

int
server_run(const struct server_config *config)
{
	struct worker_slot *slots;
	struct sigaction sa;
	sigset_t handled, wait_mask;
	int listen_fd, status = 0;
	int64_t deadline_us;

	if (server_prepare_database(config->db_path) < 0)
		return 1;
	if ((slots = calloc((size_t)config->workers, sizeof(*slots))) == NULL) {
		log_error("out of memory");
		return 1;
	}

	/* Handlers run only inside sigsuspend(), where the mask lets them in. */
	sigemptyset(&handled);
	sigaddset(&handled, SIGTERM);
	sigaddset(&handled, SIGINT);
	sigaddset(&handled, SIGCHLD);
	sigprocmask(SIG_BLOCK, &handled, &wait_mask);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = server_on_stop_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = server_on_child_signal;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if ((listen_fd = server_listen(config->socket_path, config->socket_mode, config->socket_group)) < 0) {
		free(slots);
		return 1;
	}
	log_info("listening on %s with %d workers", config->socket_path, config->workers);

	for (int i = 0; i < config->workers; i++)
		server_spawn_worker(config, listen_fd, &slots[i]);

	while (!server_stop_signal) {
		int64_t now = clock_monotonic_us(), next_wake_us = 0;

		server_reap(slots, config->workers, 0);
		for (int i = 0; i < config->workers; i++) {
			int64_t due;

			if (slots[i].pid > 0)
				continue;
			due = slots[i].started_us + slots[i].restart_delay_us;
			if (slots[i].restart_delay_us == 0 || now >= due)
				server_spawn_worker(config, listen_fd, &slots[i]);
			else if (next_wake_us == 0 || due < next_wake_us)
				next_wake_us = due;
		}
		if (server_stop_signal)
			break;
		if (next_wake_us != 0) {
			/* A restart is pending: wake for it even if no signal comes. */
			struct timespec ts = { 0, 0 };
			int64_t wait_us = next_wake_us - clock_monotonic_us();

			if (wait_us > 0) {
				ts.tv_sec = wait_us / 1000000;
				ts.tv_nsec = (long)(wait_us % 1000000) * 1000;
				sigprocmask(SIG_SETMASK, &wait_mask, NULL);
				nanosleep(&ts, NULL);
				sigprocmask(SIG_BLOCK, &handled, NULL);
			}
		} else
			sigsuspend(&wait_mask);
	}

	/*
	 * Stop: first remove the socket file so no new connection can start,
	 * then let the workers answer what is already queued, then wait.
	 */
	log_info("signal %d: stopping, %d ms grace", (int)server_stop_signal, config->shutdown_grace_ms);
	unlink(config->socket_path);
	close(listen_fd);
	server_signal_workers(slots, config->workers, SIGTERM);
	deadline_us = clock_monotonic_us() + (int64_t)config->shutdown_grace_ms * 1000;
	while (server_live_workers(slots, config->workers) > 0) {
		struct timespec tick = { 0, 20 * 1000 * 1000 };

		server_reap(slots, config->workers, 1);
		if (server_live_workers(slots, config->workers) == 0)
			break;
		if (clock_monotonic_us() >= deadline_us) {
			log_warn("grace period over: killing %d workers",
			    server_live_workers(slots, config->workers));
			server_signal_workers(slots, config->workers, SIGKILL);
			status = 0;
			deadline_us = INT64_MAX;
		}
		nanosleep(&tick, NULL);
	}
	log_info("stopped");
	free(slots);
	return status;
}
