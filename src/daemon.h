/*
 * daemon: the questions sockwall asks dockerd itself, to know which
 * container or network a name, an ID prefix or a link alias means — the
 * way dockerd will resolve it — before judging a request that names one.
 *
 * The I/O happens in conn (one short HTTP/1.0 request on a connection of
 * its own, read to EOF); this module builds the request and reads the
 * answer, so both can be tested without a daemon.
 */
#ifndef SOCKWALL_DAEMON_H
#define SOCKWALL_DAEMON_H

#include <stddef.h>

#include "filter.h"

/* Writes "GET /containers/<ref>/json HTTP/1.0 ..." (or /networks/<ref>);
 * returns its length, or 0 if it does not fit. */
size_t daemon_lookup_request(char *out, size_t cap, enum ref_kind kind, const char *ref);

/*
 * Reads dockerd's whole answer (head and body).  404 -> found = false;
 * 200 -> found, id, name and the facts the filter judges (bind sources,
 * a local volume's bind device, powers, shares; see struct ref_answer).
 * Returns 0, or -1 when the answer cannot be trusted (any other status,
 * malformed): the caller then refuses.
 */
int daemon_parse_answer(enum ref_kind kind, const char *resp, size_t len, struct ref_answer *a);

/*
 * The proxy's own container ID when it runs in one, read from
 * /proc/self/mountinfo (dockerd bind-mounts /etc/hostname and friends from
 * /var/lib/docker/containers/<id>/, Podman from
 * .../overlay-containers/<id>/userdata/ or vfs-containers); "" when not found.
 */
void daemon_self_id(char out[65]);

/* Same, from a mountinfo text (for tests). */
void daemon_self_id_from(const char *mountinfo, size_t len, char out[65]);

#endif
