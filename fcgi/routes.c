/*
 * routes.c — the routing table: every endpoint, its method, the roles that
 * may call it, the largest body it takes and the query parameters it reads.
 */
#include "config.h"

#include "extern.h"

static const struct param_spec model_runs_params[] = {
	{ "limit", PARAM_INT, 1, 500, 0 },
	{ NULL, 0, 0, 0, 0 },
};

const struct route routes[] = {
	{ METHOD_GET, "/api/health", page_health, ROLE_ANYONE, 0, NULL, 0 },

	/* Accounts and sessions. */
	{ METHOD_POST, "/api/login", page_login, ROLE_ANYONE, 4096, NULL, ROUTE_NO_CSRF },
	{ METHOD_POST, "/api/logout", page_logout, ROLE_SIGNED_IN, 0, NULL, 0 },
	{ METHOD_GET, "/api/me", page_me, ROLE_SIGNED_IN, 0, NULL, 0 },

	/* Administration. */
	{ METHOD_POST, "/api/admin/users", page_admin_create_user, ROLE_ADMIN, 8192, NULL, 0 },
	{ METHOD_POST, "/api/admin/units", page_admin_create_unit, ROLE_ADMIN, 4096, NULL, 0 },
	{ METHOD_GET, "/api/admin/settings", page_admin_settings_get, ROLE_ADMIN, 0, NULL, 0 },
	{ METHOD_PUT, "/api/admin/settings", page_admin_settings_put, ROLE_ADMIN, 4096, NULL, 0 },
	{ METHOD_POST, "/api/admin/train", page_admin_train, ROLE_ADMIN, 0, NULL, 0 },
	{ METHOD_GET, "/api/admin/model-runs", page_admin_model_runs, ROLE_ADMIN, 0, model_runs_params, 0 },
};

const size_t route_count = sizeof(routes) / sizeof(routes[0]);
