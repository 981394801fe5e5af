/*
 * A minimal table-test harness: each tests/unit/test_<name>.c is its own
 * program linked with every src/ object but main.o.  CHECK records a failure
 * and goes on, so one run shows every broken row; the exit status is the
 * verdict make test reads.
 */
#ifndef SOCKWALL_TEST_H
#define SOCKWALL_TEST_H

#include <stdio.h>
#include <string.h>

static int test_failures;
static int test_checks;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		test_checks++;                                               \
		if (!(cond)) {                                               \
			test_failures++;                                     \
			fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, \
				__LINE__, #cond);                            \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
		}                                                            \
	} while (0)

#define TEST_DONE()                                                          \
	do {                                                                 \
		fprintf(stderr, "%s: %d checks, %d failed\n", __FILE__,      \
			test_checks, test_failures);                         \
		return test_failures ? 1 : 0;                                \
	} while (0)

#endif
