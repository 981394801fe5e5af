/*
 * powers: what would give a container power over the host, judged by the
 * same rules wherever it comes from: a create or start body, a service
 * spec, or a container another one shares namespaces with.  Pure, like
 * policy and filter: no I/O.
 *
 *  - DENY_PRIVILEGED / HARDENED: privileged;
 *  - DENY_HOST_NETWORK / HARDENED: the host's network;
 *  - HARDENED: the host's PID, IPC, UTS or user namespace, added
 *    capabilities, devices, sysctls, VolumesFrom, any SecurityOpt but
 *    no-new-privileges, MaskedPaths/ReadonlyPaths without dockerd's
 *    defaults, and for services Privileges that loosen confinement;
 *  - by default: host paths that are root-equivalent (powers_root_path).
 */
#ifndef SOCKWALL_POWERS_H
#define SOCKWALL_POWERS_H

#include <stdbool.h>
#include <stddef.h>

#include "inspect.h"
#include "policy.h"

struct filters;

/* What an existing container already holds (from dockerd's inspect). */
struct ctr_powers {
	bool privileged;
	bool host_net, host_pid, host_ipc, host_uts, host_userns;
	bool cap_add;  /* CapAdd not empty */
	bool devices;  /* Devices, DeviceRequests or DeviceCgroupRules not empty */
};

/* A create, start or update body; services use powers_judge_service too. */
enum decision powers_judge_body(const struct filters *f, const struct body_facts *b,
				struct verdict *v);

/* A service spec: capabilities, sysctls, Privileges, devices, host network by name. */
enum decision powers_judge_service(const struct filters *f, const struct body_facts *b,
				   struct verdict *v);

/* A container that a request shares namespaces or volumes with (named ref). */
enum decision powers_judge_shared(const struct filters *f, const char *ref,
				  const struct ctr_powers *p, struct verdict *v);

/* Any of the powers at all (writing a file into such a container is exec). */
bool powers_any(const struct ctr_powers *p);

/*
 * Why binding a cleaned absolute host path would be root-equivalent beyond
 * the Docker socket (containerd's socket and state, dockerd's state and
 * data root, a writable /sys): a short reason, or NULL.  The path counts
 * when it is, contains, or lies inside one of them.
 */
const char *powers_root_path(const char *clean, size_t len, bool read_only);

#endif
