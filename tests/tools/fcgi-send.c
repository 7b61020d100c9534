/*
 * fcgi-send.c — sends the bytes of standard input to a FastCGI unix socket,
 * as they are, and reports what came back. The malformed-record tests use it
 * to speak to the app with no web server in between.
 *
 *   fcgi-send SOCKET < bytes     prints "reply N bytes" (and "status LINE" if any)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	static char in[1 << 20], out[1 << 16];
	size_t in_len = 0, out_len = 0;
	ssize_t n;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: fcgi-send SOCKET < bytes\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	while ((n = read(STDIN_FILENO, in + in_len, sizeof(in) - in_len)) > 0)
		in_len += (size_t)n;
	strcpy(addr.sun_path, argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "fcgi-send: connect %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* The app may hang up early on garbage: that is an answer, not an error. */
	for (size_t off = 0; off < in_len; off += (size_t)n)
		if ((n = write(fd, in + off, in_len - off)) <= 0)
			break;
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 5000) <= 0)
			break;
		n = read(fd, out + out_len, sizeof(out) - 1 - out_len);
		if (n <= 0)
			break;
		out_len += (size_t)n;
	}
	out[out_len] = '\0';
	printf("reply %zu bytes\n", out_len);
	for (size_t i = 0; i + 8 < out_len; i++)
		if (memcmp(out + i, "Status: ", 8) == 0) {
			printf("status %.3s\n", out + i + 8);
			break;
		}
	close(fd);
	return 0;
}
