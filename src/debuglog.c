#include "debuglog.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "routeshow.h"

void debuglog_route(const char *policy, const char *method, size_t method_len,
		    const struct route_match *m, const struct verdict *v)
{
	char shown[ROUTE_SHOW_MAX];
	int ml = method_len > 16 ? 16 : (int)method_len;

	if (!log_wanted(LOGL_DEBUG))
		return;
	if (!m->def) {
		log_msg(LOGL_DEBUG, "route: %.*s %.200s is no endpoint of the Docker API; policy %s: "
			"deny by %s", ml, method, m->path, policy, v->rule ? v->rule : "-");
		return;
	}
	route_show(m->def->pattern, shown, sizeof(shown));
	log_msg(LOGL_DEBUG,
		"route: %.*s %s (section %s, class %s%s%.*s%s%s%s); policy %s: %s by %s",
		ml, method, shown, section_name(m->def->section), route_class_name(m->def->klass),
		m->name ? ", names '" : "", m->name ? (int)(m->name_len > 200 ? 200 : m->name_len) : 0,
		m->name ? m->name : "", m->name ? "'" : "", m->version[0] ? ", API " : "",
		m->version, policy, v->decision == DECISION_DENY ? "deny" : "allow",
		v->rule ? v->rule : "-");
}

static const char *kind_word(enum ref_kind k)
{
	static const char *const words[] = {
		[REF_TARGET] = "the container the path names",
		[REF_LINK] = "a linked container",
		[REF_SHARE] = "a container whose namespaces or volumes are shared",
		[REF_NETWORK] = "a network removed or left",
		[REF_VOLUME] = "a volume",
		[REF_NET_JOIN] = "a network joined",
		[REF_PROXY_IMAGE] = "the proxy's own container (for its image)",
		[REF_POD] = "a pod",
		[REF_IMAGE] = "an image removed with force",
		[REF_PROXY_POD] = "the proxy's own container (for its pod)",
	};

	return (size_t)k < sizeof(words) / sizeof(words[0]) ? words[k] : "a reference";
}

/* What the answer said, in a few words. */
static void found_words(const struct container_ref *r, const struct ref_answer *a, char *out,
			size_t cap)
{
	if (a->status) {
		snprintf(out, cap, "refused by dockerd: %s", a->error);
		return;
	}
	if (!a->found) {
		snprintf(out, cap, "not found (dockerd answers the request itself)");
		return;
	}
	switch (r->kind) {
	case REF_NETWORK:
	case REF_NET_JOIN:
		snprintf(out, cap, "network '%s' ID %s%s", a->name, a->id,
			 a->host_network ? ", the host's network" : "");
		return;
	case REF_VOLUME:
		snprintf(out, cap, "volume '%s'%s%.*s%s%s", a->name,
			 a->device[0] ? ", a bind of " : "", FILTER_SHOWN(a->device, 300),
			 a->host_fs ? ", a host filesystem" : "");
		return;
	default:
		break;
	}
	snprintf(out, cap,
		 "container '%s' ID %s, image %.*s%s%s; %zu bind(s)%s, %zu local volume(s), shares %zu "
		 "container(s)",
		 a->name, a->id, FILTER_SHOWN(a->image, FILTER_IMAGE_SHOWN),
		 powers_any(&a->powers) ? "; privileged, host namespaces, capabilities or devices"
					: "",
		 a->n_binds, a->mounts_unknown ? " and mounts it cannot tell" : "", a->n_volumes,
		 a->n_shares);
}

void debuglog_lookup(const struct container_ref *r, const char *req, size_t req_len,
		     const char *resp, size_t resp_len, int parsed, const struct ref_answer *a)
{
	struct http_response h;
	char found[900];
	int status = 0;

	if (!log_wanted(LOGL_DEBUG))
		return;
	/* the request line alone: "GET /containers/x/json HTTP/1.0" */
	const char *eol = memchr(req, '\r', req_len);
	int line = (int)(eol ? (size_t)(eol - req) : req_len);
	if (http_parse_response(resp, resp_len, false, &h) > 0)
		status = h.status;
	if (parsed < 0)
		snprintf(found, sizeof(found), "an answer sockwall cannot read (the request fails)");
	else
		found_words(r, a, found, sizeof(found));
	log_msg(LOGL_DEBUG, "lookup: %s '%s': asked dockerd %.*s -> %d: %s", kind_word(r->kind),
		r->ref, line, req, status, found);
}

void debuglog_refusal(int status, const char *message)
{
	log_msg(LOGL_DEBUG, "answered %d: %s", status, message);
}
