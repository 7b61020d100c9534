/*
 * fault-inject.h — failing allocations on purpose, SQLite style, for the
 * fault-injection test (tests/reliability/test-fault-alloc.sh). Only a build
 * configured with --enable-fault-injection (the sanitizer build) has it;
 * elsewhere the hooks are empty macros and cost nothing.
 *
 * With QF_FAULT_CONTROL=FILE in the app's environment, SQLite's and
 * Jansson's allocators go through a wrapper that counts the allocations of
 * each request. Before each request FILE is read: "off", "count" (the
 * request's count is written to FILE.count afterwards), "once N" (the Nth
 * allocation fails, the rest succeed) or "persistent N" (the Nth and every
 * later one fail until the request ends).
 */
#ifndef QF_FCGI_FAULT_INJECT_H
#define QF_FCGI_FAULT_INJECT_H

#ifdef QF_FAULT_INJECTION
/* Installs the wrappers when QF_FAULT_CONTROL is set; before anything allocates. */
void fault_install(void);
void fault_request_begin(void);
void fault_request_end(void);
#else
#define fault_install() ((void)0)
#define fault_request_begin() ((void)0)
#define fault_request_end() ((void)0)
#endif

#endif /* QF_FCGI_FAULT_INJECT_H */
