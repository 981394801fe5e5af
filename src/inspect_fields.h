/*
 * inspect_fields: the schema inspect.c walks, the moby structs whose
 * fields it reads: Go field names, what kind of value each is, and where
 * in the facts (or a mount, a volume request) it goes.  Private to
 * inspect.c; data only.
 */
#ifndef SOCKWALL_INSPECT_FIELDS_H
#define SOCKWALL_INSPECT_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "inspect.h"

struct mount_spec {
	struct str type, source, driver;
	bool read_only;
	struct local_volume_opts opts;
};

struct volume_req {
	struct str name, driver;
	struct local_volume_opts opts;
};

enum kind {
	K_STR,         /* string or null */
	K_BOOL,        /* true, false or null; true anywhere wins */
	K_STRLIST,     /* []string */
	K_STRSLICE,    /* moby's StrSlice: []string, or one string */
	K_BINDS,       /* []string of "src:dst[:opts]" */
	K_MOUNTS,      /* []mount.Mount */
	K_COUNT_ARRAY, /* any array: its length is counted */
	K_SYSTEM_PATHS,/* MaskedPaths/ReadonlyPaths: counted once when it lacks a default */
	K_COUNT_MAP,   /* map[string]string: its size is counted */
	K_MAP,         /* map[string]string: only validated */
	K_LABELS,      /* map[string]string: recorded */
	K_OPTS,        /* map[string]string: the local driver's options */
	K_STRUCT,      /* a nested struct, fields in sub */
	K_NETWORKS     /* []NetworkAttachmentConfig: each Target recorded */
};

struct field {
	const char *name; /* the Go field name (JSON key) */
	enum kind kind;
	size_t off;       /* where the value goes, from the walk's base */
	size_t off_n;     /* lists: where their count is */
	const struct field *sub;
};

/* The fields of the body of an action, or NULL when it has none we read. */
const struct field *inspect_fields_for(enum route_action action);

/* mount.Mount, and volume.CreateOptions (read into a struct volume_req) */
extern const struct field inspect_mount_fields[];
extern const struct field inspect_volume_create_fields[];

/* dockerd's default MaskedPaths and ReadonlyPaths, NULL-terminated */
extern const char *const inspect_default_masked[];
extern const char *const inspect_default_readonly[];

#endif
