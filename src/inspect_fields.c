/*
 * inspect_fields: see inspect_fields.h.  Only the fields whose values a
 * policy reads are listed; every other key is still walked (repeats
 * refused) by inspect.c.
 */
#include "inspect_fields.h"

#define FACT(x) offsetof(struct body_facts, x)
#define MOUNT(x) offsetof(struct mount_spec, x)
#define VOLUME(x) offsetof(struct volume_req, x)

static const struct field driver_fields[] = {
	{ "Name", K_STR, MOUNT(driver), 0, NULL },
	{ "Options", K_OPTS, MOUNT(opts), 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field volume_options_fields[] = {
	{ "DriverConfig", K_STRUCT, 0, 0, driver_fields },
	{ NULL, K_STR, 0, 0, NULL }
};

const struct field inspect_mount_fields[] = {
	{ "Type", K_STR, MOUNT(type), 0, NULL },
	{ "Source", K_STR, MOUNT(source), 0, NULL },
	{ "ReadOnly", K_BOOL, MOUNT(read_only), 0, NULL },
	{ "VolumeOptions", K_STRUCT, 0, 0, volume_options_fields },
	{ NULL, K_STR, 0, 0, NULL }
};

/* container.Resources, embedded in HostConfig and in UpdateConfig */
#define RESOURCES_FIELDS                                                           \
	{ "Devices", K_COUNT_ARRAY, FACT(n_devices), 0, NULL },                    \
	{ "DeviceRequests", K_COUNT_ARRAY, FACT(n_device_requests), 0, NULL },     \
	{ "DeviceCgroupRules", K_COUNT_ARRAY, FACT(n_device_cgroup_rules), 0, NULL }

#define HOSTCONFIG_FIELDS                                                          \
	{ "Binds", K_BINDS, 0, 0, NULL },                                          \
	{ "Mounts", K_MOUNTS, 0, 0, inspect_mount_fields },                        \
	{ "Privileged", K_BOOL, FACT(privileged), 0, NULL },                       \
	{ "NetworkMode", K_STR, FACT(network_mode), 0, NULL },                     \
	{ "PidMode", K_STR, FACT(pid_mode), 0, NULL },                             \
	{ "IpcMode", K_STR, FACT(ipc_mode), 0, NULL },                             \
	{ "UTSMode", K_STR, FACT(uts_mode), 0, NULL },                             \
	{ "UsernsMode", K_STR, FACT(userns_mode), 0, NULL },                       \
	{ "CgroupnsMode", K_STR, FACT(cgroupns_mode), 0, NULL },                   \
	{ "CapAdd", K_STRSLICE, FACT(cap_add), FACT(n_cap_add), NULL },            \
	{ "SecurityOpt", K_STRLIST, FACT(security_opt), FACT(n_security_opt), NULL }, \
	{ "VolumesFrom", K_STRLIST, FACT(volumes_from), FACT(n_volumes_from), NULL }, \
	{ "Links", K_STRLIST, FACT(links), FACT(n_links), NULL },                  \
	{ "Sysctls", K_COUNT_MAP, FACT(n_sysctls), 0, NULL },                      \
	{ "MaskedPaths", K_SYSTEM_PATHS, FACT(n_masked_paths_set), 0, NULL },      \
	{ "ReadonlyPaths", K_SYSTEM_PATHS, FACT(n_readonly_paths_set), 0, NULL },  \
	RESOURCES_FIELDS

static const struct field hostconfig_fields[] = {
	HOSTCONFIG_FIELDS,
	{ NULL, K_STR, 0, 0, NULL }
};

/* ContainerConfigWrapper: Config at the top level, HostConfig inside and,
 * deprecated but honoured, at the top level too. */
static const struct field container_create_fields[] = {
	{ "Image", K_STR, FACT(image), 0, NULL },
	{ "Labels", K_LABELS, FACT(labels), FACT(n_labels), NULL },
	{ "HostConfig", K_STRUCT, 0, 0, hostconfig_fields },
	HOSTCONFIG_FIELDS,
	{ NULL, K_STR, 0, 0, NULL }
};

/* A start body below API 1.24 is decoded into the same wrapper as a
 * create (runconfig's decodeHostConfig): HostConfig nested, or at the top
 * level.  Config fields in it are ignored by dockerd. */
static const struct field container_start_fields[] = {
	{ "HostConfig", K_STRUCT, 0, 0, hostconfig_fields },
	HOSTCONFIG_FIELDS,
	{ NULL, K_STR, 0, 0, NULL }
};

/* ExecConfig: Privileged gives the process every capability */
static const struct field exec_create_fields[] = {
	{ "Privileged", K_BOOL, FACT(privileged), 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field container_update_fields[] = {
	RESOURCES_FIELDS,
	{ NULL, K_STR, 0, 0, NULL }
};

const struct field inspect_volume_create_fields[] = {
	{ "Name", K_STR, VOLUME(name), 0, NULL },
	{ "Driver", K_STR, VOLUME(driver), 0, NULL },
	{ "DriverOpts", K_OPTS, VOLUME(opts), 0, NULL },
	{ "Labels", K_MAP, 0, 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field network_create_fields[] = {
	{ "Name", K_STR, FACT(name), 0, NULL },
	{ "Driver", K_STR, FACT(driver), 0, NULL },
	{ "Labels", K_MAP, 0, 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field network_connect_fields[] = {
	{ "Container", K_STR, FACT(container), 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

/* swarm.Privileges: what loosens the task's confinement is recorded */
static const struct field selinux_fields[] = {
	{ "Disable", K_BOOL, FACT(privileges.selinux_disable), 0, NULL },
	{ "User", K_STR, FACT(privileges.selinux_user), 0, NULL },
	{ "Role", K_STR, FACT(privileges.selinux_role), 0, NULL },
	{ "Type", K_STR, FACT(privileges.selinux_type), 0, NULL },
	{ "Level", K_STR, FACT(privileges.selinux_level), 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

/* Seccomp and AppArmor: Mode, read into the str its parent points at */
static const struct field mode_fields[] = {
	{ "Mode", K_STR, 0, 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field privileges_fields[] = {
	{ "SELinuxContext", K_STRUCT, 0, 0, selinux_fields },
	{ "Seccomp", K_STRUCT, FACT(privileges.seccomp_mode), 0, mode_fields },
	{ "AppArmor", K_STRUCT, FACT(privileges.apparmor_mode), 0, mode_fields },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field container_spec_fields[] = {
	{ "Image", K_STR, FACT(image), 0, NULL },
	{ "Labels", K_LABELS, FACT(labels), FACT(n_labels), NULL },
	{ "Mounts", K_MOUNTS, 0, 0, inspect_mount_fields },
	{ "CapabilityAdd", K_STRLIST, FACT(cap_add), FACT(n_cap_add), NULL },
	{ "Sysctls", K_COUNT_MAP, FACT(n_sysctls), 0, NULL },
	{ "Privileges", K_STRUCT, 0, 0, privileges_fields },
	{ "Secrets", K_COUNT_ARRAY, FACT(n_secrets), 0, NULL },
	{ "Configs", K_COUNT_ARRAY, FACT(n_configs), 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

/* NetworkAttachmentConfig: Target is a network name or ID */
static const struct field network_attachment_fields[] = {
	{ "Target", K_STR, 0, 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field reservations_fields[] = {
	{ "GenericResources", K_COUNT_ARRAY, FACT(n_device_requests), 0, NULL },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field resources_fields[] = {
	{ "Reservations", K_STRUCT, 0, 0, reservations_fields },
	{ NULL, K_STR, 0, 0, NULL }
};

static const struct field task_spec_fields[] = {
	{ "ContainerSpec", K_STRUCT, 0, 0, container_spec_fields },
	{ "Networks", K_NETWORKS, 0, 0, network_attachment_fields },
	{ "Resources", K_STRUCT, 0, 0, resources_fields },
	{ NULL, K_STR, 0, 0, NULL }
};

/* ServiceSpec: Annotations (Name, Labels) embedded at the top level;
 * Networks at the top level is deprecated but still attached by swarm. */
static const struct field service_spec_fields[] = {
	{ "Name", K_STR, FACT(name), 0, NULL },
	{ "Labels", K_LABELS, FACT(labels), FACT(n_labels), NULL },
	{ "TaskTemplate", K_STRUCT, 0, 0, task_spec_fields },
	{ "Networks", K_NETWORKS, 0, 0, network_attachment_fields },
	{ NULL, K_STR, 0, 0, NULL }
};

/*
 * dockerd's default MaskedPaths and ReadonlyPaths (moby 20.10
 * oci/defaults.go; later versions only add entries).  A list given in a
 * body replaces them: it loosens unless it still holds every one.
 */
const char *const inspect_default_masked[] = {
	"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware", NULL
};
const char *const inspect_default_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL
};

const struct field *inspect_fields_for(enum route_action action)
{
	switch (action) {
	case ACT_CONTAINER_CREATE:
		return container_create_fields;
	case ACT_CONTAINER_START:
		/* below API 1.24 dockerd applies a HostConfig sent here */
		return container_start_fields;
	case ACT_CONTAINER_UPDATE:
		return container_update_fields;
	case ACT_CONTAINER_EXEC:
		return exec_create_fields;
	case ACT_VOLUME_CREATE:
		return inspect_volume_create_fields;
	case ACT_NETWORK_CREATE:
		return network_create_fields;
	case ACT_NETWORK_CONNECT:
	case ACT_NETWORK_DISCONNECT:
		return network_connect_fields;
	case ACT_SERVICE_CREATE:
	case ACT_SERVICE_UPDATE:
		return service_spec_fields;
	default:
		return NULL;
	}
}

bool inspect_wants_body(enum route_action action)
{
	return inspect_fields_for(action) != NULL;
}

