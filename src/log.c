#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Written once by log_init before the loop starts; read-only afterwards. */
static enum log_level log_threshold = LOGL_INFO;
static enum log_format log_style = LOG_JSON;

static const char *const level_names[] = { "emerg",   "alert",  "crit", "err",
					   "warning", "notice", "info", "debug" };

bool log_level_named(const char *name, enum log_level *level)
{
	for (int l = LOGL_EMERG; l <= LOGL_DEBUG; l++)
		if (strcasecmp(name, level_names[l]) == 0 ||
		    (l == LOGL_ERR && strcasecmp(name, "error") == 0) ||
		    (l == LOGL_WARNING && strcasecmp(name, "warn") == 0)) {
			*level = (enum log_level)l;
			return true;
		}
	return false;
}

void log_init(enum log_level level, enum log_format format)
{
	log_threshold = level;
	log_style = format;
}

size_t json_escape(char *out, size_t out_len, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (out_len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		size_t n;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			n = 2;
		} else if (c < 0x20 || c >= 0x7f) {
			/* Bytes, not characters: a path may hold anything. */
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		} else {
			esc[0] = (char)c;
			n = 1;
		}
		if (o + n >= out_len)
			break;
		memcpy(out + o, esc, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

static size_t timestamp(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(out + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
	return n;
}

static void emit(char *line, size_t n, size_t cap)
{
	if (n >= cap - 1)
		n = cap - 2;
	line[n++] = '\n';
	/* stderr may be a pipe a log driver reads; one write keeps lines whole. */
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
}

/* allow and audit lines are info; deny and error lines, warnings. */
static enum log_level request_level(const char *decision)
{
	return decision[0] == 'a' ? LOGL_INFO : LOGL_WARNING;
}

bool log_wanted(enum log_level level)
{
	return level <= log_threshold;
}

bool log_request_wanted(const char *decision)
{
	return request_level(decision) <= log_threshold;
}

void log_request(const struct request_log *r)
{
	enum log_level level = request_level(r->decision);
	char line[3072], target[768], method[64], client[128], reason[512], time_s[40];
	char listener[400], policy[200];
	size_t n;

	if (level > log_threshold)
		return;
	timestamp(time_s, sizeof(time_s));
	json_escape(listener, sizeof(listener), r->listener, strlen(r->listener));
	json_escape(policy, sizeof(policy), r->policy ? r->policy : "-",
		    r->policy ? strlen(r->policy) : 1);
	json_escape(target, sizeof(target), r->target, r->target_len);
	json_escape(method, sizeof(method), r->method, r->method_len);
	json_escape(client, sizeof(client), r->client, strlen(r->client));
	json_escape(reason, sizeof(reason), r->reason, strlen(r->reason));
	if (log_style == LOG_JSON)
		n = (size_t)snprintf(line, sizeof(line),
				     "{\"time\":\"%s\",\"level\":\"%s\",\"listener\":\"%s\","
				     "\"policy\":\"%s\",\"client\":\"%s\",\"method\":\"%s\",\"path\":\"%s\","
				     "\"decision\":\"%s\",\"reason\":\"%s\",\"status\":%d,"
				     "\"bytes_in\":%llu,\"bytes_out\":%llu,\"duration_ms\":%.3f}",
				     time_s, level_names[level], listener, policy, client, method,
				     target, r->decision, reason, r->status,
				     (unsigned long long)r->bytes_in,
				     (unsigned long long)r->bytes_out,
				     (double)r->duration_us / 1000.0);
	else
		n = (size_t)snprintf(line, sizeof(line),
				     "%s %s %s policy=%s %s %s %s %s reason=%s status=%d in=%llu "
				     "out=%llu ms=%.3f",
				     time_s, level_names[level], listener, policy, client, method, target,
				     r->decision, reason, r->status,
				     (unsigned long long)r->bytes_in,
				     (unsigned long long)r->bytes_out,
				     (double)r->duration_us / 1000.0);
	emit(line, n, sizeof(line));
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	/* a debug line about a lookup holds a name, an ID, an image and a path */
	char msg[2048], esc[2800], line[3000], time_s[40];
	va_list ap;
	size_t n;

	if (level > log_threshold)
		return;
	va_start(ap, fmt);
	int m = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	timestamp(time_s, sizeof(time_s));
	if (log_style == LOG_JSON) {
		json_escape(esc, sizeof(esc), msg, strlen(msg));
		n = (size_t)snprintf(line, sizeof(line),
				     "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"%s\"}", time_s,
				     level_names[level], esc);
	} else {
		n = (size_t)snprintf(line, sizeof(line), "%s %s %s", time_s, level_names[level],
				     msg);
	}
	emit(line, n, sizeof(line));
}
