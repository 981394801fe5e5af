/*
 * settings: every name sockwall reads from its environment, once: its
 * scope (a policy's may also be set by a policy file or preset), kind,
 * default and one line of help.  The readers in config*.c take their
 * defaults from it, envcheck its names, a policy file its keys, --help its
 * text, and docs/configuration.md is rendered from it (test_settings.c).
 * The section toggles (CONTAINERS, ...) are route.h's list, not rows here.
 */
#ifndef SOCKWALL_SETTINGS_H
#define SOCKWALL_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "envcheck.h"
#include "route.h"
#include "text.h"

enum setting_scope { SCOPE_PROCESS, SCOPE_POLICY };

enum setting_kind {
	KIND_SWITCH,   /* 1/0, true/false, yes/no, on/off */
	KIND_TRISTATE, /* a switch that, unset, follows POST */
	KIND_NUMBER,
	KIND_DURATION, /* 30, 30s, 500ms, 2m */
	KIND_CHOICE,   /* one of the words the help names */
	KIND_TEXT,     /* a path, a name, or a list the help describes */
	KIND_PATTERNS, /* comma-separated regular expressions */
};

/* For --help and the docs: the order the groups are shown in. */
enum setting_group {
	GROUP_METHODS, GROUP_ACTIONS, GROUP_NETWORK, GROUP_LIMITS, GROUP_FILTERS, GROUP_LOGS,
	GROUP_TLS, GROUP_POLICY, GROUP_COUNT
};

struct setting {
	const char *name;
	enum setting_scope scope;
	enum setting_kind kind;
	enum setting_group group;
	/* where the value goes: the bool or toggle_state in struct acl for
	 * GROUP_METHODS/ACTIONS, the pattern_list in struct filters for
	 * KIND_PATTERNS; unused otherwise */
	size_t field;
	unsigned char anchors; /* switches: ENVCHECK_TEC/LSIO, which anchors read it too */
	const char *def; /* the default as an operator would write it; "" when none */
	const char *help;
};

extern const struct setting settings[];
extern const size_t settings_count;
extern const char *const setting_group_title[GROUP_COUNT];

/* The row called name, or NULL. */
const struct setting *settings_find(const char *name);

/* Whether a policy file may set name: a section toggle or a policy row. */
bool settings_policy_key(const char *name);

/* The names for envcheck: route.h's sections, then the rows, switches first. */
struct setting_names {
	struct envname names[SEC_COUNT + 128];
	struct envnames en;
};
void settings_names(struct setting_names *t);

/* The settings part of --help, one "NAME=DEFAULT  help" line each. */
void settings_help(struct textbuf *out);

#endif
