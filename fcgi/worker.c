/*
 * worker.c — one pre-forked worker: accept a connection, hand it to libfcgi,
 * answer, repeat. On SIGTERM it finishes the request in hand, answers every
 * connection already queued on the socket, writes the feed's impressions it
 * still holds (impression-log.c, through app_close), and exits 0.
 *
 * The worker accepts connections itself (poll + accept4 on a non-blocking
 * socket) and gives libfcgi the connected descriptor: libfcgi's own accept
 * would block where a shutdown must not wait.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "extern.h"

static volatile sig_atomic_t worker_stopping;

static void
worker_on_stop_signal(int signo)
{
	(void)signo;
	worker_stopping = 1;
}

/*
 * Between two requests of a connection the web server keeps open, libfcgi
 * would block reading the next one: while impressions are queued, wait on
 * 'fd' no longer than until they are due, and write them.
 */
static void
worker_wait_on_connection(struct app *app, int fd)
{
	int64_t due_us;

	while ((due_us = impression_log_due_in_us(app)) >= 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, (int)((due_us + 999) / 1000)) != 0)
			return;                 /* a request, the end of the connection, or an error */
		impression_log_write(app);
	}
}

/*
 * Answers every request on the connection 'fd' (one, unless the web server
 * asked to keep it open). libfcgi closes 'fd'. After each answer, the
 * impressions it queued are written unless other requests are waiting on
 * 'fd' or 'listen_fd'.
 */
static void
worker_serve_connection(struct app *app, FCGX_Request *fcgx, int fd, int listen_fd)
{
	/* keepConnection stops FCGX_Accept_r from closing the descriptor we hand it. */
	fcgx->ipcFd = fd;
	fcgx->keepConnection = 1;
	while (FCGX_Accept_r(fcgx) == 0) {
		app_handle(app, fcgx);
		FCGX_Finish_r(fcgx);
		impression_log_write_due(app, fcgx->ipcFd, listen_fd);
		app_after_request(app);
		if (fcgx->ipcFd < 0 || worker_stopping)
			break;
		worker_wait_on_connection(app, fcgx->ipcFd);
	}
	/* A malformed or half-sent record ends here: libfcgi dropped the connection. */
	if (fcgx->ipcFd >= 0) {
		fcgx->keepConnection = 0;
		FCGX_Free(fcgx, 1);
	}
}

void
worker_main(const struct server_config *config, int listen_fd)
{
	struct qf_error err;
	struct sigaction sa;
	sigset_t stop_signals, wait_mask;
	FCGX_Request fcgx;
	struct app app;
	pid_t parent = getppid();

	/* Die with the supervisor rather than serve on unsupervised. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_on_stop_signal;   /* no SA_RESTART: ppoll must wake */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	/*
	 * Stop signals stay blocked while a request is answered and are let in
	 * only inside ppoll(), so a request is never cut short and no signal is
	 * missed between the check and the wait.
	 */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	sigprocmask(SIG_BLOCK, &stop_signals, &wait_mask);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);

	qf_error_init(&err);
	if (app_open(&app, config, &err) < 0) {
		log_error("worker cannot start: %s", err.text);
		_exit(3);
	}
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fcgx, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_error("worker cannot initialise libfcgi");
		_exit(3);
	}

	for (;;) {
		struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
		/* Draining: look, don't wait. Otherwise wake each second for housekeeping. */
		struct timespec timeout = { .tv_sec = worker_stopping ? 0 : 1 };
		int64_t due_us;
		int ready, fd;

		/* Queued impressions: written now if nobody waits, else wake when they are due. */
		impression_log_write_due(&app, -1, listen_fd);
		if (!worker_stopping && (due_us = impression_log_due_in_us(&app)) >= 0 && due_us < 1000000)
			timeout = (struct timespec){ .tv_sec = 0, .tv_nsec = (long)due_us * 1000 };
		ready = ppoll(&pfd, 1, &timeout, &wait_mask);
		if (ready < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			break;
		}
		if (ready <= 0) {
			if (worker_stopping && ready == 0)
				break;              /* nothing left in the queue */
			if (getppid() != parent)
				break;
			if (ready == 0) {
				impression_log_write(&app);   /* idle: whatever is queued */
				app_model_refresh(&app, 0);   /* idle workers pick up models too */
			}
			continue;
		}
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
			    errno == ECONNABORTED)
				continue;           /* another worker took it */
			log_error("accept: %s", strerror(errno));
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				usleep(100 * 1000); /* let resources come back */
			else
				break;
			continue;
		}
		worker_serve_connection(&app, &fcgx, fd, listen_fd);
	}
	app_close(&app);
	_exit(0);
}
