/*
 * query: the query string read as Go's url.ParseQuery reads it for dockerd:
 * pairs split on '&', '+' is a space, %XX decoded once.  A ';' (which Go
 * refuses since 1.17, and older Go split on) or a malformed escape makes the
 * whole query unreadable: the caller refuses the request rather than guess.
 */
#ifndef SOCKWALL_QUERY_H
#define SOCKWALL_QUERY_H

#include <stdbool.h>
#include <stddef.h>

/* Checks the whole query; false when Go would fail to parse it. */
bool query_valid(const char *q, size_t len);

/*
 * Finds the occurrences of key.  Decodes the first occurrence's value into
 * out (NUL-terminated, truncated to out_len-1: *truncated says so) and
 * returns how many times the key occurs.  Call query_valid first.
 */
int query_get(const char *q, size_t len, const char *key, char *out, size_t out_len,
	      bool *truncated);

/*
 * A flag either daemon may read as on.  Podman decodes a query with
 * gorilla/schema, which matches a key in any letter case and, given one
 * more than once, keeps any of the values; Go's ParseBool calls nothing on
 * that dockerd's query_bool_value calls off.  So true when ANY occurrence
 * of key, in any case, is on by query_bool_value (one too long to hold is
 * on).  Call query_valid first.
 */
bool query_flag_any(const char *q, size_t len, const char *key);

/*
 * The first key, decoded (cut to cap-1 bytes), that is none of known[0..n)
 * in any letter case; false when every key is known.  Call query_valid
 * first.
 */
bool query_unknown_key(const char *q, size_t len, const char *const *known, size_t n,
		       char *out, size_t cap);

/* How many keys are key in any letter case (gorilla/schema's reading);
 * more than query_get counts means a spelling dockerd ignores. */
int query_count_fold(const char *q, size_t len, const char *key);

/* The n-th (0-based) occurrence of key, decoded into out; false if absent. */
bool query_get_nth(const char *q, size_t len, const char *key, int n, char *out,
		   size_t out_len, bool *truncated);

/* dockerd's boolean: only "", "0", "no", "false", "none" are false (any case). */
bool query_bool_value(const char *v);

#endif
