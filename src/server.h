/*
 * server: the listeners, accepting (and the 503 when full), and the stop:
 * SIGTERM/SIGINT close the listeners and idle connections at once, let the
 * others finish their response for SOCKWALL_SHUTDOWN_TIMEOUT, then stop the
 * loop.  Each accepted client becomes a connection (conn.h).
 */
#ifndef SOCKWALL_SERVER_H
#define SOCKWALL_SERVER_H

#include <stdbool.h>

#include "config.h"
#include "conn.h"
#include "loop.h"

/* Sets srv up; max_fds: the descriptor budget (two per connection). */
void server_init(struct server *srv, const struct config *cfg, struct loop *loop, int max_fds);

/* Opens the listeners, and first the health channel when health_channel
 * (a TLS-only configuration: --healthcheck has no plain listener to ask).
 * Returns -1 when a listener cannot open (said on stderr). */
int server_listen(struct server *srv, bool health_channel);

/* SIGTERM and SIGINT start the stop; -1 when they cannot be caught. */
int server_catch_signals(struct server *srv);

/* At exit: closes the listeners and frees every connection. */
void server_close(struct server *srv);

#endif
