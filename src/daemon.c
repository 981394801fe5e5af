#include "daemon.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json.h"

size_t daemon_lookup_request(char *out, size_t cap, enum ref_kind kind, const char *ref)
{
	static const char hex[] = "0123456789ABCDEF";
	char enc[FILTER_NAME_MAX * 3 + 1];
	size_t o = 0;

	/* Escape everything but unreserved bytes: dockerd decodes once, as we do. */
	for (const unsigned char *p = (const unsigned char *)ref; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			enc[o++] = (char)*p;
		} else {
			enc[o++] = '%';
			enc[o++] = hex[*p >> 4];
			enc[o++] = hex[*p & 15];
		}
	}
	enc[o] = '\0';
	bool network = kind == REF_NETWORK || kind == REF_NET_JOIN;
	/* Podman serves libpod routes under a version only; 4.0.0 is the
	 * oldest libpod API Podman 4 and 5 answer. */
	const char *kind_path = network ? "networks"
				: kind == REF_VOLUME ? "volumes"
				: kind == REF_IMAGE ? "images"
				: kind == REF_POD ? "v4.0.0/libpod/pods"
				: kind == REF_PROXY_POD ? "v4.0.0/libpod/containers"
						     : "containers";
	int n = snprintf(out, cap, "GET /%s/%s%s HTTP/1.0\r\nHost: docker\r\n\r\n", kind_path,
			 enc, network || kind == REF_VOLUME ? "" : "/json");
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* An ID without the "sha256:" images carry (containers' IDs have none). */
static bool copy_id(const struct json_doc *d, int t, char *out, size_t cap)
{
	char id[80];

	if (!json_cstr(d, t, id, sizeof(id)))
		return false;
	const char *bare = strncmp(id, "sha256:", 7) == 0 && id[7] ? id + 7 : id;
	if (strlen(bare) >= cap)
		return false;
	strcpy(out, bare);
	return true;
}

/* A bind's Source kept for the filter; false when it cannot be. */
static bool add_bind(const struct json_doc *d, int t, bool read_only, struct ref_answer *a)
{
	size_t used = 0;

	for (size_t i = 0; i < a->n_binds; i++)
		used += strlen(a->binds + used) + 1;
	if (a->n_binds == 32 || !json_cstr(d, t, a->binds + used, sizeof(a->binds) - used))
		return false;
	if (read_only)
		a->binds_read_only |= 1u << a->n_binds;
	a->n_binds++;
	return true;
}

/* Mounts[] of an inspect answer: {"Type":"bind","Source":"/var/run/docker.sock",...}
 * binds kept, local volumes listed in a for a second question. */
static void read_mounts(const struct json_doc *d, int i, struct ref_answer *a)
{
	if (d->tok[i].type != JSMN_ARRAY)
		return;
	int end = json_skip(d, i);
	for (int j = i + 1; j < end && !a->mounts_unknown; j = json_skip(d, j)) {
		int type = json_get(d, j, "Type"), source = json_get(d, j, "Source");
		int name = json_get(d, j, "Name"), driver = json_get(d, j, "Driver");
		if (json_eq(d, type, "bind", false) && source >= 0 &&
		    !add_bind(d, source, json_is_false(d, json_get(d, j, "RW")), a))
			a->mounts_unknown = true;
		if (!json_eq(d, type, "volume", false) || name < 0 ||
		    !(json_eq(d, driver, "local", false) || json_eq(d, driver, "", false)))
			continue;
		if (a->n_volumes == sizeof(a->volumes) / sizeof(*a->volumes) ||
		    !json_cstr(d, name, a->volumes[a->n_volumes], FILTER_NAME_MAX))
			a->mounts_unknown = true;
		else
			a->n_volumes++;
	}
}

/* An optional string value: absent is "", anything else must fit. */
static bool copy_option(const struct json_doc *d, int t, char *out, size_t cap)
{
	out[0] = '\0';
	return t < 0 || json_cstr(d, t, out, cap);
}

/* Options of GET /volumes/{name}: what the local driver mounts. */
static void read_volume_options(const struct json_doc *d, int i, struct ref_answer *a)
{
	char type[32], o[256], device[4096];

	if (d->tok[i].type != JSMN_OBJECT)
		return;
	bool readable = copy_option(d, json_get(d, i, "type"), type, sizeof(type)) &
			copy_option(d, json_get(d, i, "o"), o, sizeof(o)) &
			copy_option(d, json_get(d, i, "device"), device, sizeof(device));
	struct local_volume_opts opts = { { type, strlen(type) }, { o, strlen(o) },
					  { device, strlen(device) } };
	struct str any_driver = { NULL, 0 }; /* asked by name: whatever its driver */
	/* what cannot be read is taken for the worst kind */
	a->host_fs = !readable || inspect_local_host_fs(any_driver, &opts);
	if (a->host_fs || !inspect_local_bind(any_driver, &opts))
		return;
	if (strlen(device) >= sizeof(a->device))
		a->host_fs = true;
	else
		strcpy(a->device, device);
}

static bool nonempty_list(const struct json_doc *d, int t)
{
	return t >= 0 && (d->tok[t].type == JSMN_ARRAY || d->tok[t].type == JSMN_OBJECT) &&
	       d->tok[t].size > 0;
}

/* "container:<ref>": another container whose namespaces this one shares. */
static bool add_share(struct ref_answer *a, const struct json_doc *d, int t, size_t skip_len)
{
	char buf[FILTER_NAME_MAX + 16];

	if (t < 0 || d->tok[t].type != JSMN_STRING)
		return true;
	if (!json_cstr(d, t, buf, sizeof(buf)))
		return false;
	if (skip_len) {
		if (strncmp(buf, "container:", skip_len) != 0)
			return true;
	} else {
		buf[strcspn(buf, ":")] = '\0'; /* VolumesFrom "<ref>:ro" */
	}
	const char *ref = buf + skip_len;
	if (!*ref)
		return true;
	if (a->n_shares == sizeof(a->shares) / sizeof(*a->shares) || strlen(ref) >= FILTER_NAME_MAX)
		return false;
	strcpy(a->shares[a->n_shares++], ref);
	return true;
}

/*
 * HostConfig of an inspect answer: what the container holds.  Returns
 * false when it cannot be read exactly (the caller refuses).
 */
static bool read_powers(const struct json_doc *d, int i, struct ref_answer *a)
{
	static const char *const shared_modes[] = { "NetworkMode", "PidMode", "IpcMode" };
	struct ctr_powers *p = &a->powers;

	if (d->tok[i].type != JSMN_OBJECT)
		return d->tok[i].type == JSMN_PRIMITIVE; /* null */
	p->privileged = json_is_true(d, json_get(d, i, "Privileged"));
	p->host_net = json_eq(d, json_get(d, i, "NetworkMode"), "host", false);
	p->host_pid = json_eq(d, json_get(d, i, "PidMode"), "host", false);
	p->host_ipc = json_eq(d, json_get(d, i, "IpcMode"), "host", false);
	p->host_uts = json_eq(d, json_get(d, i, "UTSMode"), "host", false);
	p->host_userns = json_eq(d, json_get(d, i, "UsernsMode"), "host", false);
	p->cap_add = nonempty_list(d, json_get(d, i, "CapAdd"));
	p->devices = nonempty_list(d, json_get(d, i, "Devices")) ||
		     nonempty_list(d, json_get(d, i, "DeviceRequests")) ||
		     nonempty_list(d, json_get(d, i, "DeviceCgroupRules"));
	for (size_t k = 0; k < 3; k++)
		if (!add_share(a, d, json_get(d, i, shared_modes[k]), 10))
			return false;
	int from = json_get(d, i, "VolumesFrom");
	if (from < 0 || d->tok[from].type != JSMN_ARRAY)
		return true;
	for (int j = from + 1; j < json_skip(d, from); j = json_skip(d, j))
		if (!add_share(a, d, j, 0))
			return false;
	return true;
}

/* Config.Image of an inspect answer. */
static bool read_image(const struct json_doc *d, int i, struct ref_answer *a)
{
	int image = json_get(d, i, "Image");

	return image < 0 || json_cstr(d, image, a->image, sizeof(a->image));
}

/* {"message": "..."} of a refusal, for the client: printable only. */
static void read_error(const char *js, size_t jlen, struct ref_answer *a)
{
	struct json_doc d;
	char msg[4096];
	size_t n;

	if (json_parse(&d, js, jlen, NULL, 0) != NULL)
		return;
	int m = json_get(&d, 0, "message");
	if (m >= 0 && json_decode(&d, m, msg, sizeof(msg), &n))
		text_printable(a->error, sizeof(a->error) - 4, msg, n);
	else if (m >= 0 && d.tok[m].type == JSMN_STRING) /* longer than we show */
		text_printable(a->error, sizeof(a->error) - 4, js + d.tok[m].start,
			       (size_t)(d.tok[m].end - d.tok[m].start));
	json_free(&d);
}

/* The fields of a 200 answer the kind of question wants. */
static bool read_answer(enum ref_kind kind, const struct json_doc *d, struct ref_answer *a)
{
	bool container = kind == REF_SHARE || kind == REF_TARGET;

	for (int i = 1; i + 1 < d->n; i = json_skip(d, i + 1)) {
		int v = i + 1;
		bool ok = true;
		if (json_eq(d, i, "Id", false)) {
			ok = copy_id(d, v, a->id, sizeof(a->id));
		} else if (kind == REF_PROXY_IMAGE && json_eq(d, i, "Image", false)) {
			ok = copy_id(d, v, a->image_id, sizeof(a->image_id));
		} else if (json_eq(d, i, "Name", false)) {
			char name[FILTER_NAME_MAX + 1];
			ok = json_cstr(d, v, name, sizeof(name));
			const char *bare = name[0] == '/' ? name + 1 : name;
			ok = ok && strlen(bare) < sizeof(a->name);
			if (ok)
				strcpy(a->name, bare);
		} else if ((container || kind == REF_LINK) && json_eq(d, i, "Mounts", false)) {
			read_mounts(d, v, a);
		} else if (container && json_eq(d, i, "HostConfig", false)) {
			ok = read_powers(d, v, a);
		} else if (kind == REF_PROXY_IMAGE && json_eq(d, i, "Config", false)) {
			ok = read_image(d, v, a);
		} else if (kind == REF_PROXY_POD && json_eq(d, i, "Pod", false)) {
			ok = json_cstr(d, v, a->pod, sizeof(a->pod));
		} else if (kind == REF_NET_JOIN && json_eq(d, i, "Driver", false)) {
			a->host_network |= json_eq(d, v, "host", false);
		} else if (kind == REF_VOLUME && json_eq(d, i, "Options", false)) {
			read_volume_options(d, v, a);
		}
		if (!ok)
			return false;
	}
	return true;
}

int daemon_parse_answer(enum ref_kind kind, const char *resp, size_t len, struct ref_answer *a)
{
	struct http_response r;
	struct json_doc d;

	memset(a, 0, sizeof(*a));
	int head = http_parse_response(resp, len, false, &r);
	if (head <= 0)
		return -1;
	const char *js = resp + head;
	size_t jlen = len - (size_t)head;
	if (r.status == 404)
		return 0;
	/* dockerd refused the question itself (an invalid name, an ambiguous
	 * ID prefix): the client gets dockerd's own status and words, and the
	 * request goes no further */
	if (r.status >= 400 && r.status < 600) {
		a->status = r.status;
		read_error(js, jlen, a);
		/* a server error without dockerd's words is no answer we trust */
		if (!a->error[0] && r.status >= 500)
			return -1;
		if (!a->error[0])
			snprintf(a->error, sizeof(a->error), "refused by dockerd");
		return 0;
	}
	/* A redirect: its router cleaned the name ("/var/run", "./x") into
	 * another path, so it is no name dockerd can have. */
	if (r.status >= 300 && r.status < 400) {
		a->status = 400;
		snprintf(a->error, sizeof(a->error), "invalid name: dockerd cannot look it up");
		return 0;
	}
	if (r.status != 200 || json_parse(&d, js, jlen, NULL, 0) != NULL)
		return -1;
	bool read = d.tok[0].type == JSMN_OBJECT && read_answer(kind, &d, a);
	json_free(&d);
	if (!read)
		return -1;
	if (kind == REF_NET_JOIN && strcmp(a->name, "host") == 0)
		a->host_network = true;
	/* Volumes have no Id: their name is what identifies them. */
	if (kind == REF_VOLUME && a->name[0])
		snprintf(a->id, sizeof(a->id), "volume");
	a->found = a->id[0] != '\0';
	return a->found ? 0 : -1;
}

/*
 * dockerd bind-mounts /etc/hostname, /etc/hosts and /etc/resolv.conf from
 * <data-root>/containers/<id>/, Podman from <runroot>/<driver>-containers/
 * <id>/userdata/ (vfs-containers, overlay-containers).  Only those mount
 * points say who we are: on the host, other containers' mounts (a
 * shareable IPC namespace's shm, say) carry their IDs too.
 */
void daemon_self_id_from(const char *text, size_t len, char out[65])
{
	static const char marker[] = "containers/";
	static const char *const points[] = { "/etc/hostname", "/etc/hosts", "/etc/resolv.conf" };
	const char *p = text, *end = text + len;

	out[0] = '\0';
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		/* the 4th and 5th fields: the mounted root and where */
		struct str rest = { p, (size_t)(line_end - p) }, field;
		struct str root = { p, 0 }, point = { p, 0 };
		bool ours = false;

		for (int i = 0; i < 5 && text_item(&rest, ' ', false, &field); i++)
			if (i == 3)
				root = field;
			else if (i == 4)
				point = field;
		for (size_t i = 0; i < sizeof(points) / sizeof(*points); i++)
			ours |= point.len == strlen(points[i]) && memcmp(point.p, points[i], point.len) == 0;
		const char *root_end = root.p + root.len;
		for (const char *q = root.p; ours && q < root_end;) {
			const char *hit = memmem(q, (size_t)(root_end - q), marker, sizeof(marker) - 1);
			if (!hit)
				break;
			const char *id = hit + sizeof(marker) - 1;
			bool after = hit > root.p && (hit[-1] == '/' || hit[-1] == '-');
			/* the '/' first: it stops strspn within the line */
			if (after && root_end - id >= 65 && id[64] == '/' &&
			    strspn(id, "0123456789abcdef") == 64) {
				memcpy(out, id, 64);
				out[64] = '\0';
				return;
			}
			q = hit + 1; /* markers may overlap: "/containers/containers/<id>/" */
		}
		p = line_end + 1;
	}
}

void daemon_self_id(char out[65])
{
	size_t len;
	char *text = text_read_file("/proc/self/mountinfo", 1 << 20, &len);

	out[0] = '\0';
	if (text != NULL)
		daemon_self_id_from(text, len, out);
	free(text);
}
