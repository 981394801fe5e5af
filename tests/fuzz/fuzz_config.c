/*
 * fuzz_config: config_load on an environment built from the input.
 *
 * Input: "NAME=value" lines (at most 32; a NUL ends a line's string, as it
 * would in a real environment).  A line "%%" ends the environment: the
 * rest is the content of a FILTERS_CONFIG file, handed over as
 * /proc/self/fd/N of a memfd.  A line "%%P" does the same for a policy
 * file, named by a first SOCKWALL_LISTEN=tcp://127.0.0.1:1?policy=... (so
 * the input's own SOCKWALL_LISTEN is ignored).  FILTERS_CONFIG lines, and
 * policy references with a '/', of the input are dropped (the fuzzer must
 * not make us read /dev/stdin).
 *
 * Invariants:
 *  - config_load returns >= 0, the number of problems; each problem is one
 *    line of err (as many as fit), err is NUL-terminated in its buffer;
 *  - on 0: 1..CONFIG_MAX_LISTENERS listeners, each well-formed (unix: an
 *    absolute path shorter than sun_path, mode <= 0777; tcp/tls: a host of
 *    1..63 bytes, port 1..65535), urls NUL-terminated; SOCKET_PATH
 *    absolute; limits within their documented ranges;
 *  - on 0, every listener and CN names a policy that exists, with a
 *    NUL-terminated name and the process's protected paths;
 *  - loading the same environment (without a file) twice gives the same
 *    answer;
 *  - config_free releases everything (LeakSanitizer is on).
 */
#include "fuzz.h"

#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

#define MAX_VARS 32
#define ERR_LEN 4096

static void check_config(const struct config *c)
{
	FUZZ_CHECK(c->n_listeners >= 1 && c->n_listeners <= CONFIG_MAX_LISTENERS, "%zu listeners",
		   c->n_listeners);
	for (size_t i = 0; i < c->n_listeners; i++) {
		const struct listen_spec *l = &c->listeners[i];
		FUZZ_CHECK(memchr(l->url, '\0', sizeof(l->url)), "listener %zu: url not terminated", i);
		if (l->kind == LISTEN_UNIX) {
			size_t n = strnlen(l->path, sizeof(l->path));
			FUZZ_CHECK(n > 0 && n < sizeof(l->path) && l->path[0] == '/',
				   "listener %zu (%s): unix path \"%.*s\"", i, l->url, (int)n, l->path);
			FUZZ_CHECK(l->mode <= 0777, "listener %zu: mode %o", i, (unsigned)l->mode);
		} else {
			size_t n = strnlen(l->host, sizeof(l->host));
			FUZZ_CHECK(n > 0 && n < sizeof(l->host), "listener %zu (%s): host \"%.*s\"", i,
				   l->url, (int)n, l->host);
			FUZZ_CHECK(l->port >= 1, "listener %zu (%s): port 0", i, l->url);
		}
	}
	size_t sn = strnlen(c->socket_path, sizeof(c->socket_path));
	FUZZ_CHECK(sn > 0 && sn < sizeof(c->socket_path) && c->socket_path[0] == '/',
		   "SOCKET_PATH \"%.*s\"", (int)sn, c->socket_path);
	FUZZ_CHECK(c->head_timeout_ms > 0 && c->idle_timeout_ms >= 0 && c->shutdown_timeout_ms >= 0,
		   "timeouts %d %d %d", c->head_timeout_ms, c->idle_timeout_ms,
		   c->shutdown_timeout_ms);
	FUZZ_CHECK(c->max_conns >= 1, "max_conns %d", c->max_conns);
	FUZZ_CHECK(c->max_head >= 1024 && c->max_head <= 65536, "max_head %zu", c->max_head);
	FUZZ_CHECK(c->max_body >= 1024, "max_body %zu", c->max_body);
	FUZZ_CHECK(c->policy.filters.n_protected_paths >= 1, "no protected paths");
	FUZZ_CHECK(c->n_policies <= CONFIG_MAX_POLICIES, "%zu policies", c->n_policies);
	for (size_t i = 0; i < c->n_listeners + c->n_cn_policies; i++) {
		int idx = i < c->n_listeners ? c->listeners[i].policy
					     : c->cn_policies[i - c->n_listeners].policy;
		FUZZ_CHECK(idx >= 0 && (size_t)idx <= c->n_policies, "policy index %d of %zu", idx,
			   c->n_policies);
		const struct policy_set *p = config_policy(c, idx);
		FUZZ_CHECK(memchr(p->name, '\0', sizeof(p->name)) && p->name[0], "policy name");
		FUZZ_CHECK(p->filters.n_protected_paths == c->policy.filters.n_protected_paths,
			   "policy %s: protected paths differ", p->name);
	}
}

/* A policy reference naming a file: only the harness may name files. */
static bool names_a_file(const char *v, size_t len)
{
	if (len >= 26 && memcmp(v, "SOCKWALL_TLS_POLICY_BY_CN=", 26) == 0)
		return memchr(v, '/', len) != NULL;
	if (!(len >= 16 && memcmp(v, "SOCKWALL_LISTEN=", 16) == 0))
		return false;
	for (const char *p = v; (p = memmem(p, len - (size_t)(p - v), "policy=", 7)); p += 7)
		for (const char *q = p + 7; q < v + len && *q != '&' && *q != ','; q++)
			if (*q == '/')
				return true;
	return false;
}

static size_t lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *vars[MAX_VARS + 2];
	size_t n = 0, i = 0;
	int fd = -1;
	static struct config a, b;
	static char err_a[ERR_LEN], err_b[ERR_LEN];

	fuzz_begin(data, size);
	while (i < size && n < MAX_VARS) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (data + i)) : size - i;
		if (len == 2 && memcmp(data + i, "%%", 2) == 0) {
			i += 3;
			fd = memfd_create("filters", 0);
			if (fd < 0)
				abort();
			if (i < size && write(fd, data + i, size - i) != (ssize_t)(size - i))
				abort();
			char path[64];
			snprintf(path, sizeof(path), "FILTERS_CONFIG=/proc/self/fd/%d", fd);
			vars[n++] = strdup(path);
			break;
		}
		if (len == 3 && memcmp(data + i, "%%P", 3) == 0) {
			i += 4;
			if (i < size && memmem(data + i, size - i, "FILTERS_CONFIG", 14))
				break;
			fd = memfd_create("policy", 0);
			if (fd < 0)
				abort();
			if (i < size && write(fd, data + i, size - i) != (ssize_t)(size - i))
				abort();
			char listen[96];
			snprintf(listen, sizeof(listen),
				 "SOCKWALL_LISTEN=tcp://127.0.0.1:1?policy=/proc/self/fd/%d", fd);
			memmove(vars + 1, vars, n * sizeof(*vars));
			vars[0] = strdup(listen);
			n++;
			break;
		}
		if (!(len >= 15 && memcmp(data + i, "FILTERS_CONFIG=", 15) == 0) &&
		    !names_a_file((const char *)data + i, len)) {
			char *v = malloc(len + 1);
			memcpy(v, data + i, len);
			v[len] = '\0';
			vars[n++] = v;
		}
		i += len + 1;
	}
	vars[n] = NULL;

	int rc = config_load(&a, vars, err_a, sizeof(err_a));
	FUZZ_CHECK(rc >= 0, "config_load returned %d", rc);
	FUZZ_CHECK(memchr(err_a, '\0', sizeof(err_a)), "err not terminated");
	FUZZ_CHECK(rc > 0 ? err_a[0] != '\0' : err_a[0] == '\0', "%d problems, err \"%s\"", rc,
		   err_a);
	FUZZ_CHECK(lines(err_a) <= (size_t)rc, "%zu lines of err for %d problems", lines(err_a),
		   rc);
	if (rc == 0)
		check_config(&a);

	/* (not with a file: reading one costs ASan ~3 MiB of shadow per load) */
	if (fd >= 0) {
		config_free(&a);
		goto out;
	}
	int rc2 = config_load(&b, vars, err_b, sizeof(err_b));
	FUZZ_CHECK(rc2 == rc && strcmp(err_a, err_b) == 0, "a second load gives %d \"%s\", first %d",
		   rc2, err_b, rc);
	FUZZ_CHECK(a.n_listeners == b.n_listeners, "a second load gives other listeners");
	for (size_t k = 0; k < a.n_listeners && k < CONFIG_MAX_LISTENERS; k++)
		FUZZ_CHECK(a.listeners[k].kind == b.listeners[k].kind &&
				   a.listeners[k].port == b.listeners[k].port &&
				   strcmp(a.listeners[k].host, b.listeners[k].host) == 0 &&
				   strcmp(a.listeners[k].path, b.listeners[k].path) == 0,
			   "a second load gives listener %zu differently", k);
	config_free(&a);
	config_free(&b);
out:
	for (size_t k = 0; k < n; k++)
		free(vars[k]);
	if (fd >= 0)
		close(fd);
	return 0;
}
