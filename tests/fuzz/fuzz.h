/*
 * fuzz.h: what every sockwall fuzz target shares.
 *
 * A target checks invariants, not only "no crash": on a violation it names
 * the invariant, dumps the input and calls abort(), which libFuzzer reports
 * as a crash and saves under -artifact_prefix.  Keep inputs readable in the
 * corpus: a target takes text where it can.
 */
#ifndef SOCKWALL_FUZZ_H
#define SOCKWALL_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The current input, for the report of a violation. */
static const uint8_t *fuzz_input;
static size_t fuzz_input_len;

static inline void fuzz_begin(const uint8_t *data, size_t size)
{
	fuzz_input = data;
	fuzz_input_len = size;
}

static inline void fuzz_dump(const char *label, const void *p, size_t n)
{
	const unsigned char *u = p;

	fprintf(stderr, "%s (%zu bytes):", label, n);
	for (size_t i = 0; i < n && i < 4096; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n  ", u[i]);
	fprintf(stderr, "%s\n", n > 4096 ? "\n  ..." : "");
}

__attribute__((noreturn, format(printf, 1, 2))) static inline void fuzz_fail(const char *fmt,
									   ...)
{
	va_list ap;

	fprintf(stderr, "\n==== invariant violated: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fuzz_dump("input (hex)", fuzz_input, fuzz_input_len);
	abort();
}

#define FUZZ_CHECK(cond, ...)                  \
	do {                                   \
		if (!(cond))                   \
			fuzz_fail(__VA_ARGS__); \
	} while (0)

/* p[0..n) lies inside base[0..len) (an empty view may sit at the end). */
static inline int fuzz_inside(const void *p, size_t n, const void *base, size_t len)
{
	const char *c = p, *b = base;

	return c >= b && c <= b + len && n <= (size_t)(b + len - c);
}

/* A small deterministic generator, seeded from input bytes. */
static inline uint32_t fuzz_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* A copy of p[0..n) in a heap block of exactly n bytes (n == 0: one byte,
 * never read), so that ASan sees any read past the end. */
static inline char *fuzz_dup(const void *p, size_t n)
{
	char *c = malloc(n ? n : 1);

	if (!c)
		abort();
	if (n)
		memcpy(c, p, n);
	return c;
}

#endif
