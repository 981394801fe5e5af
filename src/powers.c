/*
 * powers: see powers.h.  Every message names the setting that decided, so
 * the operator knows what to change.
 */
#include "powers.h"

#include <stdio.h>
#include <string.h>

#include "filter.h"
#include "match.h"

#define HARDENED "DKRPRX__CONTAINERS__HARDENED"
#define DENY_PRIVILEGED "DKRPRX__CONTAINERS__DENY_PRIVILEGED"
#define DENY_HOST_NETWORK "DKRPRX__CONTAINERS__DENY_HOST_NETWORK"

static bool str_is(const struct str *s, const char *lit)
{
	size_t n = strlen(lit);
	return s->p && s->len == n && memcmp(s->p, lit, n) == 0;
}

static bool str_set(const struct str *s)
{
	return s->p && s->len;
}

/* strconv.ParseBool's spellings: dockerd reads no-new-privileges with it. */
static bool go_bool(const char *s, size_t n)
{
	static const char *const ok[] = { "1", "t", "T", "TRUE", "true", "True",
					  "0", "f", "F", "FALSE", "false", "False" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++)
		if (strlen(ok[i]) == n && memcmp(ok[i], s, n) == 0)
			return true;
	return false;
}

/*
 * dockerd (daemon.parseSecurityOpt) takes "no-new-privileges" alone or
 * with '=' or ':' and a boolean; every other option chooses or drops a
 * seccomp, AppArmor or SELinux profile, and a profile the operator has not
 * seen is no confinement it can vouch for.  Whole values are compared.
 */
static bool security_opt_tightens(const struct str *s)
{
	static const char nnp[] = "no-new-privileges";
	size_t n = sizeof(nnp) - 1;

	if (!s->p || s->len < n || memcmp(s->p, nnp, n) != 0)
		return false;
	if (s->len == n)
		return true;
	return (s->p[n] == '=' || s->p[n] == ':') && go_bool(s->p + n + 1, s->len - n - 1);
}

static enum decision host_network(const struct filters *f, const char *what,
				  struct verdict *v)
{
	if (f->deny_host_network)
		return verdict_deny(v, 403, DENY_HOST_NETWORK, "sockwall: %s denied by %s", what,
				    DENY_HOST_NETWORK);
	return verdict_deny(v, 403, DENY_HOST_NETWORK, "sockwall: %s denied by %s (as %s)", what,
			    HARDENED, DENY_HOST_NETWORK);
}

static enum decision denied_by(const char *key, const char *what, struct verdict *v)
{
	return verdict_deny(v, 403, key, "sockwall: %s denied by %s", what, key);
}

enum decision powers_judge_body(const struct filters *f, const struct body_facts *b,
				struct verdict *v)
{
	if (b->privileged && (f->deny_privileged || f->hardened))
		return denied_by(f->deny_privileged ? DENY_PRIVILEGED : HARDENED,
				 "privileged containers are", v);
	if (str_is(&b->network_mode, "host") && (f->deny_host_network || f->hardened))
		return host_network(f, "host network is", v);
	if (!f->hardened)
		return DECISION_ALLOW;
	/*
	 * CgroupnsMode host is dockerd's own default on cgroup v1 (what
	 * inspect shows and Watchtower sends back): only on v2 does it loosen.
	 */
	const struct {
		bool on;
		const char *what;
	} loosens[] = {
		{ f->cgroup_v2 && str_is(&b->cgroupns_mode, "host"), "CgroupnsMode=host is" },
		{ str_is(&b->pid_mode, "host"), "PidMode=host is" },
		{ str_is(&b->ipc_mode, "host"), "IpcMode=host is" },
		{ str_is(&b->uts_mode, "host"), "UTSMode=host is" },
		{ str_is(&b->userns_mode, "host"), "UsernsMode=host is" },
		{ b->n_cap_add, "CapAdd is" },
		{ b->n_devices || b->n_device_requests || b->n_device_cgroup_rules, "host devices are" },
	};
	for (size_t i = 0; i < sizeof(loosens) / sizeof(*loosens); i++)
		if (loosens[i].on)
			return denied_by(HARDENED, loosens[i].what, v);
	for (size_t i = 0; i < b->n_security_opt; i++)
		if (!security_opt_tightens(&b->security_opt[i]))
			return verdict_deny(v, 403, HARDENED,
					    "sockwall: SecurityOpt '%.60s%s' is denied by %s (only "
					    "no-new-privileges is allowed)",
					    b->security_opt[i].p,
					    b->security_opt[i].len > 60 ? "..." : "", HARDENED);
	if (b->n_sysctls)
		return denied_by(HARDENED, "Sysctls are", v);
	if (b->n_volumes_from)
		return denied_by(HARDENED, "VolumesFrom is", v);
	if (b->n_masked_paths_set || b->n_readonly_paths_set)
		return denied_by(HARDENED,
				 "MaskedPaths/ReadonlyPaths without dockerd's defaults "
				 "(SecurityOpt systempaths=unconfined) are",
				 v);
	return DECISION_ALLOW;
}

enum decision powers_judge_service(const struct filters *f, const struct body_facts *b,
				   struct verdict *v)
{
	for (size_t i = 0; i < b->n_networks; i++)
		if (str_is(&b->networks[i], "host") && (f->deny_host_network || f->hardened))
			return host_network(f, "the host network for a service is", v);
	if (powers_judge_body(f, b, v) == DECISION_DENY)
		return DECISION_DENY;
	if (!f->hardened)
		return DECISION_ALLOW;
	const struct service_privileges *p = &b->privileges;
	bool loosens = p->selinux_disable || str_set(&p->selinux_user) ||
		       str_set(&p->selinux_role) || str_set(&p->selinux_type) ||
		       str_set(&p->selinux_level) ||
		       (str_set(&p->seccomp_mode) && !str_is(&p->seccomp_mode, "default")) ||
		       (str_set(&p->apparmor_mode) && !str_is(&p->apparmor_mode, "default"));
	if (loosens)
		return denied_by(HARDENED,
				 "service Privileges that change the SELinux, seccomp or AppArmor "
				 "confinement are",
				 v);
	return DECISION_ALLOW;
}

bool powers_any(const struct ctr_powers *p)
{
	return p->privileged || p->host_net || p->host_pid || p->host_ipc || p->host_uts ||
	       p->host_userns || p->cap_add || p->devices;
}

enum decision powers_judge_shared(const struct filters *f, const char *ref,
				  const struct ctr_powers *p, struct verdict *v)
{
	char what[FILTER_NAME_MAX + 96];

	if (p->privileged && (f->deny_privileged || f->hardened)) {
		snprintf(what, sizeof(what), "sharing privileged container '%s' is", ref);
		return denied_by(f->deny_privileged ? DENY_PRIVILEGED : HARDENED, what, v);
	}
	if (p->host_net && (f->deny_host_network || f->hardened)) {
		snprintf(what, sizeof(what), "sharing container '%s', which is in the host network, is",
			 ref);
		return host_network(f, what, v);
	}
	if (!f->hardened)
		return DECISION_ALLOW;
	const char *has = p->host_pid      ? "the host's PID namespace"
			  : p->host_ipc    ? "the host's IPC namespace"
			  : p->host_uts    ? "the host's UTS namespace"
			  : p->host_userns ? "the host's user namespace"
			  : p->cap_add     ? "added capabilities"
			  : p->devices     ? "host devices"
					   : NULL;
	if (has)
		return verdict_deny(v, 403, HARDENED,
				    "sockwall: container '%s' has %s; sharing its namespaces or "
				    "volumes is denied by %s",
				    ref, has, HARDENED);
	return DECISION_ALLOW;
}

/*
 * Beyond the Docker socket: whoever can write here, or connect to a
 * socket here (a read-only mount does not stop connect(2)), drives the
 * host's container runtime or its data.  /var/run is spelled out beside
 * /run: when sockwall runs in a container it cannot resolve the host's
 * symlinks.
 */
static const struct {
	const char *path;
	const char *why;
} root_paths[] = {
	{ "/run/containerd", "containerd's socket and state" },
	{ "/var/run/containerd", "containerd's socket and state" },
	{ "/run/docker", "dockerd's runtime state and plugin sockets" },
	{ "/var/run/docker", "dockerd's runtime state and plugin sockets" },
	{ "/var/lib/docker", "dockerd's data root" },
	{ "/var/lib/containerd", "containerd's data root" },
	{ "/run/podman", "Podman's API socket" },
	{ "/var/run/podman", "Podman's API socket" },
	{ "/run/containers", "Podman's runtime state" },
	{ "/var/run/containers", "Podman's runtime state" },
	{ "/var/lib/containers", "Podman's storage" },
};

/*
 * Rootless Podman listens on /run/user/<uid>/podman/podman.sock: any uid,
 * so the parents of every such socket count too.
 */
static bool rootless_podman(const char *clean, size_t len)
{
	static const char *const runs[] = { "/run/user", "/var/run/user" };

	for (size_t i = 0; i < sizeof(runs) / sizeof(*runs); i++) {
		size_t n = strlen(runs[i]);
		if (len < n || memcmp(clean, runs[i], n) != 0 || (len > n && clean[n] != '/'))
			continue;
		if (len <= n + 1)
			return true; /* /run/user itself */
		size_t d = n + 1, digits = 0;
		while (d < len && clean[d] >= '0' && clean[d] <= '9') {
			d++;
			digits++;
		}
		if (!digits || (d < len && clean[d] != '/'))
			continue; /* not a uid directory */
		if (d == len || d + 1 == len)
			return true; /* /run/user/<uid> holds podman/ */
		return path_exposes(clean + d, len - d, "/podman", 7) ||
		       path_exposes("/podman", 7, clean + d, len - d);
	}
	return false;
}

const char *powers_root_path(const char *clean, size_t len, bool read_only)
{
	for (size_t i = 0; i < sizeof(root_paths) / sizeof(*root_paths); i++) {
		const char *p = root_paths[i].path;
		if (path_exposes(clean, len, p, strlen(p)) || path_exposes(p, strlen(p), clean, len))
			return root_paths[i].why;
	}
	if (rootless_podman(clean, len))
		return "rootless Podman's API socket";
	/* uevent_helper, cgroup release_agent: /sys written is code run as root */
	if (!read_only && (path_exposes(clean, len, "/sys", 4) || path_exposes("/sys", 4, clean, len)))
		return "the kernel's /sys, writable";
	return NULL;
}
