/*
 * filter_rules: what filter.c and filter_image.c share inside filter_judge.
 * Not for other callers: filter.h is the interface.
 */
#ifndef SOCKWALL_FILTER_RULES_H
#define SOCKWALL_FILTER_RULES_H

#include "filter.h"

#define deny(v, rule, ...) verdict_deny(v, 403, rule, __VA_ARGS__)

/* 400 with "sockwall: <why>": a request sockwall cannot read as dockerd does. */
enum decision refuse(struct verdict *v, const char *rule, const char *why);

/* Deny patterns first, then the allow list when one is set. */
enum decision check_list(struct verdict *v, const struct pattern_list *allowed,
			 const struct pattern_list *denied, const char *value, const char *what,
			 const char *allowed_key, const char *denied_key);

/* A body string as a C string: what does not fit is not judged shortened. */
bool copy_str(char *out, size_t cap, const struct str *s);
bool str_prefix(const struct str *s, const char *prefix);

/* A query parameter the policy depends on: given once (-1 and a refusal otherwise). */
int query_single(const struct route_match *m, const char *key, char *out, size_t cap,
		 struct verdict *v);

/*
 * A reference is asked about exactly as given, or not at all: one that
 * does not fit our buffers is refused (ADD_LONG), never shortened into
 * another name or ID prefix.
 */
enum add_result { ADD_OK, ADD_FULL, ADD_LONG };
enum add_result add_ref(struct filter_refs *refs, enum ref_kind kind, const char *s, size_t len);
/* The refusal for a reference that could not be added, else ALLOW. */
enum decision added(enum add_result res, struct verdict *v);

/* filter_image.c */
enum decision filter_image_ref(const struct filters *f, const char *image, const char *extra_tag,
			       bool container_filters, struct verdict *v);
enum decision filter_judge_images(const struct filters *f, const struct acl *acl,
				  const struct route_match *m, struct filter_refs *refs,
				  struct verdict *v);
enum decision filter_judge_image_delete(const struct filters *f, const struct route_match *m,
					struct filter_refs *refs, struct verdict *v);

#endif
