/*
 * inspect: JSON request bodies read the way dockerd's encoding/json reads
 * them into moby's structs:
 *  - object keys match struct fields case-insensitively after \uXXXX
 *    decoding, with Unicode simple folding (U+017F 'ſ' is 's', U+212A
 *    'K' is 'k');
 *  - for POST /containers/create, HostConfig fields also count at the top
 *    level (a deprecated shape dockerd still honours when "HostConfig" is
 *    absent or null): we read both places, always;
 *  - a key given twice in one object (exactly, or in another case) would be
 *    decoded twice, merged or last-wins: we refuse instead.  In Go maps
 *    (Labels, DriverOpts, Options, Sysctls) keys are exact, as dockerd
 *    reads them: only an exact repeat is refused there;
 *  - null for a field is "absent" (Go keeps the zero value).
 * Anything we cannot read exactly as dockerd would (invalid JSON, data
 * after the value, invalid UTF-8 or lone surrogates in strings, a wrong type
 * for a field we read, more entries than the limits below) is refused (400).
 *
 * The facts (host paths and where they came from, modes, flags, names)
 * hold decoded strings in the caller's scratch buffer, at least as large as
 * the body (a map value given as null is Go's "", a constant).  The tokens
 * (24 bytes each, counted by the validation pass) and room to sort one
 * object's keys go in scratch beyond the body's length when it is large
 * enough, else in one allocation freed before returning.  Nothing else
 * allocates; no global state, no I/O.
 */
#ifndef SOCKWALL_INSPECT_H
#define SOCKWALL_INSPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "route.h"
#include "text.h"

#define INSPECT_MAX_ITEMS 64 /* per list below; more is refused */
/* Labels are many where Traefik and compose are at work (each router and
 * service of Traefik is a few labels): these cost 32 bytes each. */
#define INSPECT_MAX_LABELS 1024
#define INSPECT_WHY_MAX 96    /* room for a reason that names a key */

enum path_origin {
	PATH_FROM_BINDS,        /* HostConfig.Binds "src:dst[:opts]", src absolute */
	PATH_FROM_MOUNT,        /* Mounts[] Type bind: Source */
	PATH_FROM_VOLUME_OPTS,  /* Mounts[] Type volume, local driver bind options: device */
	PATH_FROM_VOLUME_CREATE,/* POST /volumes/create, local driver bind options: device */
	PATH_FROM_SERVICE_MOUNT /* TaskTemplate.ContainerSpec.Mounts[]: bind Source or volume device */
};

struct host_path {
	struct str path; /* as dockerd will use it: decoded, not cleaned; a relative
			    local-volume device is reported as given (the policy
			    resolves it against "/") */
	enum path_origin origin;
	bool read_only; /* Binds ":ro", Mounts ReadOnly: the container cannot write through it */
	bool resolved; /* the real path of paths[from], added by the caller */
	size_t from;
};

struct kv {
	struct str key, value;
};

struct body_facts {
	/* host paths that end up bind-mounted into a container */
	struct host_path paths[INSPECT_MAX_ITEMS];
	size_t n_paths;

	/* POST /containers/create (HostConfig or top level), /containers/{id}/update
	 * (the Resources fields), and service ContainerSpec where noted */
	struct str image;           /* Config.Image; service ContainerSpec.Image */
	bool privileged;
	struct str network_mode, pid_mode, ipc_mode, uts_mode, userns_mode, cgroupns_mode;
	struct str cap_add[INSPECT_MAX_ITEMS];
	size_t n_cap_add;
	struct str security_opt[INSPECT_MAX_ITEMS];
	size_t n_security_opt;
	struct str volumes_from[INSPECT_MAX_ITEMS];
	size_t n_volumes_from;
	struct str links[INSPECT_MAX_ITEMS]; /* "name:alias" as given */
	size_t n_links;
	size_t n_devices, n_device_requests, n_device_cgroup_rules, n_sysctls;
	/* MaskedPaths / ReadonlyPaths given without every one of dockerd's
	 * defaults: they replace the defaults, so [] unmasks /proc/kcore and
	 * makes /proc/sys writable.  The defaults themselves (what inspect
	 * shows, sent back by Watchtower or Portainer) do not count. */
	size_t n_masked_paths_set, n_readonly_paths_set;
	/* service ContainerSpec.Privileges: what would loosen confinement */
	struct service_privileges {
		bool selinux_disable;
		struct str selinux_user, selinux_role, selinux_type, selinux_level;
		struct str seccomp_mode, apparmor_mode;
	} privileges;
	size_t n_secrets, n_configs; /* service ContainerSpec.Secrets / Configs */
	/* service networks: TaskTemplate.Networks[] and the top-level
	 * Networks[] Target, a name or an ID */
	struct str networks[INSPECT_MAX_ITEMS];
	size_t n_networks;
	/* the type of a local-driver volume that mounts a disk or overlay
	 * filesystem ("type=ext4,device=/dev/sda1", "type=overlay,o=lowerdir=/"):
	 * the host's files without a bind in sight.  p NULL when none. */
	struct str host_fs_type;
	/* named volumes (Binds "name:/dst", Mounts Type volume Source): a
	 * volume created elsewhere may be a local bind in disguise */
	struct str volumes[INSPECT_MAX_ITEMS];
	size_t n_volumes;
	struct kv labels[INSPECT_MAX_LABELS]; /* Config.Labels; service Labels, then
						ContainerSpec.Labels (a key may be in both) */
	size_t n_labels;

	/* POST /volumes/create, /networks/create: Name and Driver; service Name */
	struct str name, driver;
	/* POST /networks/{id}/connect and /disconnect: Container */
	struct str container;

	/* storage for *why when the reason names a field or key; keep it last
	   (facts before it are cleared when the body is refused) */
	char why[INSPECT_WHY_MAX];
};

/*
 * Judges a body for the route's action.  Returns 0 with facts filled, or
 * -1 with *why set to a short client-facing reason ("ambiguous body: key
 * \"Binds\" given twice", "invalid JSON", ...); *why points to a constant
 * or into facts->why, so it lives as long as facts; the other facts are
 * cleared on -1, so a refused body leaves nothing to misread.  An empty body (or only
 * whitespace) and a JSON null yield no facts and 0: dockerd refuses the
 * first itself and ignores the second.  Actions without a JSON body to read
 * yield no facts and 0 whatever the body.
 * null for a field means absent; a string list's null element names nothing.
 * Lists and counts from the top level and HostConfig add up; a scalar set in
 * both places to different values is refused, Privileged is true if either is.
 */
int inspect_body(enum route_action action, const char *body, size_t len, char *scratch,
		 size_t scratch_len, struct body_facts *facts, const char **why);

/* True for the actions whose body inspect_body reads. */
bool inspect_wants_body(enum route_action action);

/*
 * What a volume of the local driver (driver "local", or none named)
 * mounts, by its options (keys exact, as the driver reads them): the one
 * reading for bodies and for dockerd's answers alike.
 */
struct local_volume_opts {
	struct str type, o, device;
};

/* A bind of device, a host path: type none, bind or rbind, or bind or
 * rbind among the "o" options (case and blanks ignored: no spelling
 * dockerd might accept slips past), and a device (without one the driver
 * refuses to mount). */
bool inspect_local_bind(struct str driver, const struct local_volume_opts *o);

/* A filesystem of its own type that holds the host's files (ext4 on a
 * host disk, overlay over host directories): any type but the network,
 * memory and bind ones.  dockerd passes the type to mount(2) as given. */
bool inspect_local_host_fs(struct str driver, const struct local_volume_opts *o);

#endif
