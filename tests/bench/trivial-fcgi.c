/*
 * trivial-fcgi.c — the feed benchmark's yardstick (tests/bench/feed-bench.sh):
 * a FastCGI responder on libfcgi that answers every request with the same
 * small JSON, with the same pre-fork model as qingfeng-fcgi (a supervisor
 * and N workers sharing one unix socket). It takes qingfeng-fcgi's options
 * so nginx/run-dev.sh can start it in its place, behind the same nginx
 * configuration:
 *
 *   trivial-fcgi --socket PATH [--workers N] [--db IGNORED] [--model IGNORED]
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

static volatile sig_atomic_t stopping;

static void
on_stop(int signo)
{
	(void)signo;
	stopping = 1;
}

static void
worker(int fd)
{
	FCGX_Request req;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, fd, 0) != 0)
		_exit(3);
	while (FCGX_Accept_r(&req) == 0) {
		FCGX_PutS("Status: 200 OK\r\nContent-Type: application/json\r\n\r\n"
		    "{\"ok\":true,\"items\":[]}\n", req.out);
		FCGX_Finish_r(&req);
	}
	_exit(0);
}

int
main(int argc, char **argv)
{
	const char *socket_path = NULL;
	int workers = 2, fd;
	pid_t *pids;
	struct sigaction sa;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--socket") == 0)
			socket_path = argv[i + 1];
		else if (strcmp(argv[i], "--workers") == 0)
			workers = atoi(argv[i + 1]);
	}
	if (socket_path == NULL || workers < 1 || workers > 64) {
		fprintf(stderr, "usage: trivial-fcgi --socket PATH [--workers N]\n");
		return 2;
	}
	unlink(socket_path);
	if ((fd = FCGX_OpenSocket(socket_path, 128)) < 0) {
		fprintf(stderr, "trivial-fcgi: cannot listen on %s\n", socket_path);
		return 1;
	}
	chmod(socket_path, 0660);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pids = calloc((size_t)workers, sizeof(*pids));
	for (int i = 0; i < workers; i++)
		if ((pids[i] = fork()) == 0)
			worker(fd);
	while (!stopping)
		pause();
	unlink(socket_path);
	for (int i = 0; i < workers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (wait(NULL) > 0)
		;
	return 0;
}
