/*
 * routes.c — the routing table: every endpoint, its method, the roles that
 * may call it, the largest body it takes and the query parameters it reads.
 */
#include "config.h"

#include "extern.h"

const struct route routes[] = {
	{ METHOD_GET, "/api/health", page_health, ROLE_ANYONE, 0, NULL },
};

const size_t route_count = sizeof(routes) / sizeof(routes[0]);
