/*
 * match: host paths compared the way the kernel will see them, and the
 * pattern lists of the DKRPRX__ filters.
 *
 * dockerd cleans bind sources with Go's filepath.Clean before it mounts
 * them, treating every byte (a NUL included) as part of a name: so
 * "/tmp/x\0/../../var/run/docker.sock" is the socket.  We clean the same
 * way, then ask whether a path exposes a protected one: mounting a
 * directory that contains the Docker socket exposes it as surely as
 * mounting the socket itself.
 */
#ifndef SOCKWALL_MATCH_H
#define SOCKWALL_MATCH_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Go's filepath.Clean on a Unix path: collapse "//", drop ".", resolve ".."
 * lexically (".." at the root stays at the root), no trailing "/", "" -> ".".
 * A relative input stays relative ("a/../../b" -> "../b").  Writes at most
 * out_len-1 bytes plus a NUL; returns the cleaned length, or (size_t)-1 if
 * out_len is too small, never a truncated path.  The work is done in out,
 * so it may need more room than the result ("/a/../../b/c/.." passes
 * through "/b/c"): len + 2 is always enough.  The result may hold NUL
 * bytes ("/x\0" stays "/x\0"): use the returned length, not strlen.
 * in and out must not overlap.
 */
size_t path_clean(const char *in, size_t len, char *out, size_t out_len);

/* Both cleaned and absolute: true when mounting `mounted` makes `protected_`
 * reachable, i.e. they are equal or `mounted` is an ancestor directory. */
bool path_exposes(const char *mounted, size_t mlen, const char *protected_, size_t plen);

#define PATTERN_MAX 32        /* patterns in one list */
#define PATTERN_ITEM_MAX 1024  /* bytes in one pattern */
#define PATTERN_INPUT_MAX 4096 /* bytes pattern_list_match can look at */

/* A compiled list of POSIX extended regexes (REG_EXTENDED | REG_NOSUB). */
struct pattern_list {
	regex_t re[PATTERN_MAX];
	size_t n;
};

/*
 * Compiles a comma-separated list ("^/etc/.*,^/root/.*").  A comma inside
 * {} or a bracket expression belongs to the regex ("a{1,3}", "[,;]"), and
 * so does one after a backslash (a\,b is one item, the regex a\,b, which
 * matches "a,b").  Spaces and tabs around an item are trimmed; empty items
 * are skipped, so "" is an empty list (matches nothing).  Patterns are not
 * anchored: write ^...$ to match a whole string.  Returns 0, or -1 with a
 * message naming the bad pattern in err (too many patterns, one longer than
 * PATTERN_ITEM_MAX, or regcomp's complaint); on -1 nothing stays compiled.
 */
int pattern_list_compile(struct pattern_list *pl, const char *spec, char *err, size_t err_len);
/* Length of the first item of spec[0..len) as pattern_list_compile splits
 * it: up to the first comma that separates items, or len. */
size_t pattern_item_len(const char *spec, size_t len);
/* Frees the compiled patterns; the list is then empty (safe to call twice). */
void pattern_list_free(struct pattern_list *pl);

/*
 * True if any pattern matches s (s need not be NUL-terminated).  Only true
 * on a real match, which is safe for an allow list but not for a deny list,
 * so callers refuse what pattern_input_ok rejects before asking:
 *  - s longer than PATTERN_INPUT_MAX: false, nothing is looked at;
 *  - s holding a NUL byte: matched on the part before the NUL, as regexec
 *    would see it.
 */
bool pattern_list_match(const struct pattern_list *pl, const char *s, size_t len);
/* True when s is short enough for pattern_list_match and holds no NUL. */
bool pattern_input_ok(const char *s, size_t len);

#endif
