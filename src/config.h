/*
 * config: the environment -> one validated, immutable struct config.
 *
 * Every setting is read and checked before anything starts; each problem is
 * reported with the variable's name, and any problem stops the start-up.
 */
#ifndef SOCKWALL_CONFIG_H
#define SOCKWALL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "envcheck.h"
#include "filter.h"
#include "log.h"
#include "net.h"
#include "policy.h"

#define CONFIG_MAX_LISTENERS 8
#define CONFIG_MAX_POLICIES 16  /* besides the process-wide one */
#define CONFIG_MAX_CN_POLICIES 16
#define POLICY_NAME_MAX 128
#define CONFIG_MAX_NOTES 40 /* start-up notes on the anchors' names */

/*
 * What judges a request: the toggles, the filters and the mode.  The
 * process-wide environment makes one; a listener's ?policy= (a preset or
 * an env-format file) or a client certificate's CN may choose another.
 */
struct policy_set {
	char name[POLICY_NAME_MAX]; /* "env", a preset's name, or a file's path */
	struct acl acl;
	struct filters filters;
	bool audit;                 /* SOCKWALL_MODE=audit: log denials, forward anyway */
};

/* SOCKWALL_TLS_POLICY_BY_CN: a verified client leaf's CN -> a policy */
struct cn_policy {
	char cn[64];
	int policy;
};

struct config {
	struct listen_spec listeners[CONFIG_MAX_LISTENERS];
	size_t n_listeners;
	struct policy_set policy; /* the environment's: listeners without ?policy= */
	/* named by listeners or CNs, each loaded once (allocated: most
	 * configurations have none, and a policy_set is ~40 KiB of regexes) */
	struct policy_set *policies[CONFIG_MAX_POLICIES];
	size_t n_policies;
	struct cn_policy cn_policies[CONFIG_MAX_CN_POLICIES];
	size_t n_cn_policies;
	char socket_path[NET_PATH_MAX];
	int head_timeout_ms;     /* a request head must be complete within this */
	int idle_timeout_ms;     /* keep-alive connection with no request in flight */
	int shutdown_timeout_ms; /* SIGTERM: in-flight requests get this long */
	int max_conns;
	size_t max_head;
	size_t max_body;         /* inspected request bodies */
	size_t max_answer;       /* answers held to hide Env values */
	/* TLS listeners: SOCKWALL_TLS_* (NULL when unset) */
	const char *tls_cert, *tls_key, *tls_ca, *tls_allow_cn, *tls_allow_pins;
	int tls_handshake_timeout_ms;
	enum log_level log_level;
	enum log_format log_format;
	/* the anchors' names set here that sockwall reads differently: logged
	 * at start-up and printed by --check-config */
	struct envnote notes[CONFIG_MAX_NOTES];
	size_t n_notes;
};

/*
 * Reads envp (NULL-terminated "NAME=value" strings).  Returns 0, or the number
 * of problems found; each problem is written as one line into err.
 */
int config_load(struct config *cfg, char *const *envp, char *err, size_t err_len);

/* Releases the compiled patterns and the named policies. */
void config_free(struct config *cfg);

/* Policy i of a listen_spec or cn_policy: 0 is the environment's. */
const struct policy_set *config_policy(const struct config *cfg, int i);

/*
 * The policy for a verified TLS client: the one its CN names in
 * SOCKWALL_TLS_POLICY_BY_CN, else the listener's (listener_policy).
 */
int config_policy_for_cn(const struct config *cfg, const char *cn, int listener_policy);

/* Appends the effective access table, one "NAME=value" per line, to out. */
void config_describe_acl(const struct policy_set *pol, char *out, size_t out_len);

#endif
