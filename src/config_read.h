/* config_read: what config*.c share to read an environment (internal). */
#ifndef SOCKWALL_CONFIG_READ_H
#define SOCKWALL_CONFIG_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

/* Every problem found: one line each in buf (may be NULL), and a count. */
struct problems {
	char *buf;
	size_t len, used;
	int count;
};

void problem(struct problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The value of name (up to an '=' in it) in envp ("NAME=value" strings), or NULL. */
const char *env_get(char *const *envp, const char *name);

/* A switch's value, def when unset; a bad value is a problem. */
bool read_bool(char *const *envp, const char *name, bool def, struct problems *p);
/* The same, unset: the settings table's default. */
bool read_switch(char *const *envp, const char *name, struct problems *p);
/* DELETE, PUT: unset is a state of its own. */
enum toggle_state read_tristate(char *const *envp, const char *name, struct problems *p);
/* A choice between the table's default and alt: whether it is alt. */
bool read_choice(char *const *envp, const char *name, const char *alt, struct problems *p);

struct config;
struct policy_set;
/* SOCKWALL_POLICY's preset beneath envp: a merged array to free, or NULL. */
char **apply_preset(char *const *envp, struct problems *p);
/* The toggles, filters and mode of one policy, from an environment. */
void load_policy(struct policy_set *ps, const char *socket_path, char *const *envp,
		 struct problems *p);
/* A listener's or CN's policy reference -> config_policy's index; 0 after a problem. */
int policy_index(struct config *cfg, const char *ref, const char *where, struct problems *p);

#define FILE_KEYS 64

/* FILTERS_CONFIG's settings, as entries in an arena (free arena). */
struct file_env {
	char *entries[FILE_KEYS + 1]; /* "DKRPRX__...=value", NULL-terminated */
	size_t n;
	char *arena;
	size_t used, cap;
};

/* Adds the file's settings that the environment does not set itself. */
void read_filters_file(const char *path, char *const *envp, struct file_env *fe,
		       struct problems *p);

#endif
