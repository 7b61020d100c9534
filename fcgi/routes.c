/*
 * routes.c — the routing table: every endpoint, its method, the roles that
 * may call it, the largest body it takes and the query parameters it reads.
 */
#include "config.h"

#include "extern.h"

static const struct param_spec feed_params[] = {
	{ "limit", PARAM_INT, 1, 50, 0 },
	{ NULL, 0, 0, 0, 0 },
};

static const struct param_spec model_runs_params[] = {
	{ "limit", PARAM_INT, 1, 500, 0 },
	{ NULL, 0, 0, 0, 0 },
};

/* The roles of the editor's workspace and of the supervisor's dashboard: admins have both. */
#define EDITORS (ROLE_EDITOR | ROLE_ADMIN)
#define SUPERVISORS (ROLE_SUPERVISOR | ROLE_ADMIN)

const struct route routes[] = {
	{ METHOD_GET, "/api/health", page_health, ROLE_ANYONE, 0, NULL, 0 },

	/* Accounts and sessions. */
	{ METHOD_POST, "/api/login", page_login, ROLE_ANYONE, 4096, NULL, ROUTE_NO_CSRF },
	{ METHOD_POST, "/api/logout", page_logout, ROLE_SIGNED_IN, 0, NULL, 0 },
	{ METHOD_GET, "/api/me", page_me, ROLE_SIGNED_IN, 0, NULL, 0 },

	/* The cadre's learning. */
	{ METHOD_GET, "/api/feed", page_feed, ROLE_CADRE, 0, feed_params, 0 },
	{ METHOD_POST, "/api/events", page_events, ROLE_CADRE, 4096, NULL, 0 },

	/* Administration. */
	{ METHOD_POST, "/api/admin/users", page_admin_create_user, ROLE_ADMIN, 8192, NULL, 0 },
	{ METHOD_POST, "/api/admin/units", page_admin_create_unit, ROLE_ADMIN, 4096, NULL, 0 },
	{ METHOD_GET, "/api/admin/settings", page_admin_settings_get, ROLE_ADMIN, 0, NULL, 0 },
	{ METHOD_PUT, "/api/admin/settings", page_admin_settings_put, ROLE_ADMIN, 4096, NULL, 0 },
	{ METHOD_POST, "/api/admin/train", page_admin_train, ROLE_ADMIN, 0, NULL, 0 },
	{ METHOD_GET, "/api/admin/model-runs", page_admin_model_runs, ROLE_ADMIN, 0, model_runs_params, 0 },

	/* Content: the library for everyone signed in, the editor's workspace (content/EDITOR-API.md). */
	{ METHOD_GET, "/api/tags", page_tags, ROLE_SIGNED_IN, 0, tags_params, 0 },
	{ METHOD_GET, "/api/search", page_search, ROLE_SIGNED_IN, 0, search_params, 0 },
	{ METHOD_GET, "/api/items/{id}", page_item, ROLE_SIGNED_IN, 0, NULL, 0 },
	{ METHOD_GET, "/api/editor/items", page_editor_items_list, EDITORS, 0, search_params, 0 },
	{ METHOD_POST, "/api/editor/items", page_editor_item_create, EDITORS, CONTENT_EDIT_MAX_BODY, NULL, 0 },
	{ METHOD_GET, "/api/editor/items/{id}", page_editor_item_get, EDITORS, 0, NULL, 0 },
	{ METHOD_PUT, "/api/editor/items/{id}", page_editor_item_update, EDITORS, CONTENT_EDIT_MAX_BODY, NULL, 0 },
	{ METHOD_POST, "/api/editor/items/{id}/publish", page_editor_item_publish, EDITORS, 0, NULL, 0 },
	{ METHOD_POST, "/api/editor/items/{id}/retire", page_editor_item_retire, EDITORS, 0, NULL, 0 },
	{ METHOD_GET, "/api/editor/items/{id}/versions", page_editor_item_versions, EDITORS, 0, NULL, 0 },
	{ METHOD_GET, "/api/editor/items/{id}/versions/{id}", page_editor_item_version, EDITORS, 0, NULL, 0 },
	{ METHOD_POST, "/api/editor/preview", page_editor_preview, EDITORS, CONTENT_EDIT_MAX_BODY, NULL, 0 },
	{ METHOD_GET, "/api/editor/questions", page_editor_questions_list, EDITORS, 0, editor_questions_params, 0 },
	{ METHOD_POST, "/api/editor/questions", page_editor_question_create, EDITORS, CONTENT_EDIT_MAX_BODY, NULL, 0 },
	{ METHOD_GET, "/api/editor/questions/{id}", page_editor_question_get, EDITORS, 0, NULL, 0 },
	{ METHOD_PUT, "/api/editor/questions/{id}", page_editor_question_update, EDITORS, CONTENT_EDIT_MAX_BODY, NULL, 0 },
	{ METHOD_POST, "/api/editor/questions/{id}/retire", page_editor_question_retire, EDITORS, 0, NULL, 0 },
	{ METHOD_GET, "/api/editor/tags", page_editor_tags_list, EDITORS, 0, tags_params, 0 },
	{ METHOD_POST, "/api/editor/tags", page_editor_tag_create, EDITORS, 4096, NULL, 0 },
	{ METHOD_DELETE, "/api/editor/tags", page_editor_tag_delete, EDITORS, 0, editor_tag_delete_params, 0 },
	{ METHOD_POST, "/api/editor/import", page_editor_import, EDITORS, CONTENT_IMPORT_MAX_BODY, editor_import_params, 0 },
	{ METHOD_GET, "/api/editor/export", page_editor_export, EDITORS, 0, editor_export_params, 0 },

	/* Quizzes, mastery, reviews and study hours (learner.c). */
	{ METHOD_POST, "/api/questions/{id}/answer", page_answer, ROLE_CADRE, 4096, NULL, 0 },
	{ METHOD_GET, "/api/me/progress", page_progress, ROLE_CADRE, 0, NULL, 0 },

	/* The supervisor's dashboard (fcgi/SUPERVISOR-API.md). */
	{ METHOD_GET, "/api/supervisor/overview", page_supervisor_overview, SUPERVISORS, 0,
	    supervisor_overview_params, 0 },
	{ METHOD_GET, "/api/supervisor/lift", page_supervisor_lift, SUPERVISORS, 0,
	    supervisor_lift_params, 0 },
	{ METHOD_GET, "/api/supervisor/warnings", page_supervisor_warnings, SUPERVISORS, 0,
	    supervisor_warnings_params, 0 },
	{ METHOD_GET, "/api/supervisor/people", page_supervisor_people, SUPERVISORS, 0,
	    supervisor_people_params, 0 },
	{ METHOD_GET, "/api/supervisor/people/{id}", page_supervisor_person, SUPERVISORS, 0,
	    supervisor_person_params, 0 },

	/* Campaigns (专题学习) and the evaluation model (立体评估): campaigns.c, evaluation.c. */
	{ METHOD_GET, "/api/me/campaigns", page_my_campaigns, ROLE_CADRE, 0, NULL, 0 },
	{ METHOD_GET, "/api/editor/campaigns", page_editor_campaigns_list, EDITORS, 0, NULL, 0 },
	{ METHOD_POST, "/api/editor/campaigns", page_editor_campaign_create, EDITORS, CAMPAIGN_MAX_BODY, NULL, 0 },
	{ METHOD_GET, "/api/editor/campaigns/options", page_editor_campaign_options, EDITORS, 0, NULL, 0 },
	{ METHOD_GET, "/api/editor/campaigns/{id}", page_editor_campaign_get, EDITORS, 0, NULL, 0 },
	{ METHOD_PUT, "/api/editor/campaigns/{id}", page_editor_campaign_update, EDITORS, CAMPAIGN_MAX_BODY, NULL, 0 },
	{ METHOD_POST, "/api/editor/campaigns/{id}/close", page_editor_campaign_close, EDITORS, 0, NULL, 0 },
	{ METHOD_GET, "/api/supervisor/campaigns", page_supervisor_campaigns_list, SUPERVISORS, 0, NULL, 0 },
	{ METHOD_GET, "/api/supervisor/campaigns/warnings", page_supervisor_campaign_warnings, SUPERVISORS, 0,
	  campaign_warnings_params, 0 },
	{ METHOD_GET, "/api/supervisor/campaigns/{id}/coverage", page_supervisor_campaign_coverage, SUPERVISORS, 0,
	  campaign_coverage_params, 0 },
	{ METHOD_GET, "/api/supervisor/evaluation", page_supervisor_evaluation, SUPERVISORS, 0, evaluation_params, 0 },
	{ METHOD_GET, "/api/supervisor/evaluation/people", page_supervisor_evaluation_people, SUPERVISORS, 0,
	  evaluation_params, 0 },
	{ METHOD_GET, "/api/supervisor/evaluation/trend", page_supervisor_evaluation_trend, SUPERVISORS, 0,
	  evaluation_trend_params, 0 },
	{ METHOD_GET, "/api/supervisor/evaluation/scores", page_supervisor_evaluation_scores_list, SUPERVISORS, 0,
	  evaluation_params, 0 },
	{ METHOD_POST, "/api/supervisor/evaluation/scores", page_supervisor_evaluation_scores_post, SUPERVISORS,
	  EVALUATION_MAX_BODY, NULL, 0 },
};

const size_t route_count = sizeof(routes) / sizeof(routes[0]);
