#include "sockhint.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "text.h"

/* The kernel's overflow ids: what an unmapped owner looks like from inside
 * a user namespace (userns-remap, rootless). */
#define OVERFLOW_ID 65534u

size_t sockhint_format(char *out, size_t out_len, const char *path, int err,
		       const struct sockhint_facts *f)
{
	struct textbuf o = { out, out_len, 0 };
	unsigned uid = (unsigned)f->uid, gid = (unsigned)f->gid;
	unsigned owner = (unsigned)f->owner, group = (unsigned)f->group;

	if (out_len == 0)
		return 0;
	out[0] = '\0';
	text_printf(&o, "cannot open the Docker socket %s: %s; sockwall runs as uid %u gid %u",
		    path, strerror(err), uid, gid);
	if (f->stat_err) {
		text_printf(&o, "; the socket cannot be examined (%s): a directory on its path is "
			    "closed to this user, mount the socket itself", strerror(f->stat_err));
		return o.used;
	}
	text_printf(&o, "; the socket is owned by uid %u gid %u mode %04o", owner, group,
		    f->mode & 07777);
	bool group_rw = (f->mode & 0060) == 0060;
	bool owner_rw = (f->mode & 0600) == 0600;
	if (owner == OVERFLOW_ID && group == OVERFLOW_ID && uid != OVERFLOW_ID) {
		/* Bits would not help: nobody in here is that owner. */
		text_printf(&o, ": its owner is not mapped into this user namespace (userns-remap "
			    "or rootless Docker); run the proxy with `userns_mode: host`");
	} else if ((owner == uid && owner_rw) || (f->in_group && group_rw)) {
		text_printf(&o, ": the permissions let this user in, so something else refuses: "
			    "a security module (SELinux: the socket's label; AppArmor) or a seccomp "
			    "profile");
	} else if (group_rw) {
		text_printf(&o, ": give the proxy the socket's group, in compose `user: \"%u:%u\"` "
			    "(or `group_add: [\"%u\"]`), with docker run `--user %u:%u`",
			    uid, group, group, uid, group);
	} else if (owner_rw) {
		text_printf(&o, ": only its owner may open it, in compose `user: \"%u:%u\"`", owner,
			    group);
	} else {
		text_printf(&o, ": nobody but root may open it; make it group-writable (mode 0660)");
	}
	return o.used;
}

static bool in_groups(gid_t g)
{
	gid_t groups[256];
	int n = getgroups(256, groups);

	if (getegid() == g)
		return true;
	for (int i = 0; i < n; i++)
		if (groups[i] == g)
			return true;
	return false;
}

size_t sockhint_explain(char *out, size_t out_len, const char *path, int err)
{
	struct sockhint_facts f = { .uid = geteuid(), .gid = getegid() };
	struct stat st;

	if (err != EACCES && err != EPERM) {
		if (out_len)
			out[0] = '\0';
		return 0;
	}
	if (stat(path, &st) < 0) {
		f.stat_err = errno;
	} else {
		f.owner = st.st_uid;
		f.group = st.st_gid;
		f.mode = st.st_mode & 07777;
		f.in_group = in_groups(st.st_gid);
	}
	return sockhint_format(out, out_len, path, err, &f);
}

size_t sockhint_probe(char *out, size_t out_len, const char *path)
{
	/* Write permission is what connect(2) on a unix socket needs.  Asked
	 * without connecting: a probe connection would be one more client
	 * for dockerd (or a test's fake upstream) to see. */
	int err = faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0 ? 0 : errno;

	return sockhint_explain(out, out_len, path, err); /* 0: nothing to say */
}
