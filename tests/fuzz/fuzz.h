/*
 * fuzz.h — what the fuzz harnesses share. Each harness defines
 * LLVMFuzzerTestOneInput (libFuzzer's entry point); the same object is
 * linked either with libFuzzer (configure --enable-fuzzing, `make fuzz`) or
 * with replay.c, which runs every file of the harness's seed corpus through
 * it (`make check`).
 */
#ifndef QF_TEST_FUZZ_H
#define QF_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A harness's own check failed: abort, so libFuzzer and the replay both report it. */
#define FUZZ_ASSERT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

#endif /* QF_TEST_FUZZ_H */
