/*
 * text: the small chores every module repeats, written once.
 *
 *   struct str     a borrowed view of bytes (not NUL-terminated)
 *   text_printf    bounded appends: never overflow, always terminated
 *   text_item      comma (or any separator) lists, one item at a time
 *   text_printable bytes a client chose, made safe for one log or message line
 *   text_read_file a whole small file
 *
 * A leaf: it includes nothing of sockwall's.
 */
#ifndef SOCKWALL_TEXT_H
#define SOCKWALL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct str {
	const char *p; /* NULL when absent */
	size_t len;
};

/* A fixed buffer being filled: cap bytes at p, used of them written. */
struct textbuf {
	char *p;
	size_t cap, used;
};

/* Appends; what does not fit is cut, and p stays NUL-terminated. */
void text_printf(struct textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Takes the next item of a sep-separated list from *rest into *item
 * (trimmed of spaces and tabs when trim) and returns true; false when
 * *rest is spent.  "" has no items, "a," one, "a,,b" three (one empty).
 */
bool text_item(struct str *rest, char sep, bool trim, struct str *item);

/* Whether the list s holds an item equal to word (exact bytes). */
bool text_has_item(struct str s, char sep, const char *word);

/*
 * Client-controlled bytes made one printable line: at most max bytes of
 * src go into dst (size max + 4), control and non-ASCII bytes as '?', and
 * "..." if there was more.  Returns the length written.
 */
size_t text_printable(char *dst, size_t max, const char *src, size_t len);

/* Control bytes of a NUL-terminated string replaced by '?', in place. */
void text_scrub(char *s);

/*
 * Reads a whole file of at most max bytes into a new buffer (NUL-terminated
 * beyond *len, for text).  NULL with errno set on failure (EFBIG when
 * larger); the partial buffer is wiped, as it may hold a key.
 */
char *text_read_file(const char *path, size_t max, size_t *len);

#endif
