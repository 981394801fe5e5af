/*
 * log: one line per decision on stderr, JSON (default) or text, written with
 * a single write(2) so lines from one process never interleave.
 */
#ifndef SOCKWALL_LOG_H
#define SOCKWALL_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_format { LOG_JSON, LOG_TEXT };

/* syslog-style levels, as linuxserver's LOG_LEVEL */
enum log_level {
	LOGL_EMERG, LOGL_ALERT, LOGL_CRIT, LOGL_ERR, LOGL_WARNING, LOGL_NOTICE, LOGL_INFO,
	LOGL_DEBUG
};

struct request_log {
	const char *listener;
	const char *policy;   /* the policy that judged it: "env", a preset, a file */
	const char *client;
	const char *method;
	size_t method_len;
	const char *target;
	size_t target_len;
	const char *decision; /* "allow", "deny", "error" */
	const char *reason;   /* the rule that decided, or what went wrong */
	int status;           /* as sent to the client; 0 if none was */
	uint64_t bytes_in, bytes_out;
	int64_t duration_us;
};

/* LOG_LEVEL's words (any case; "error" and "warn" too): false for others. */
bool log_level_named(const char *name, enum log_level *level);

/* Set once at start-up, before the loop runs. */
void log_init(enum log_level level, enum log_format format);
void log_request(const struct request_log *r);
/* Whether a request line with this decision is written at the configured
 * level: when it is not, the caller need not gather what the line says. */
bool log_request_wanted(const char *decision);
/* Whether lines of this level are written (debug lines cost formatting). */
bool log_wanted(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Escapes bytes for a JSON string body; returns the length written (< out_len). */
size_t json_escape(char *out, size_t out_len, const char *s, size_t len);

#endif
