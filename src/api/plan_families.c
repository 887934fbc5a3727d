/*
 * plan_families.c - recur's own plan family endpoints: /v1/plan_families,
 * POST /v1/subscriptions/:id/migrate, GET /v1/subscriptions/:id/migration and
 * GET /v1/mrr_movements (docs/api.md).
 */
#include "api/api.h"
#include "service/migration.h"
#include "service/mrr.h"
#include "service/plan_family.h"
#include "service/plan_version_update.h"

static int create(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_plan_family_create(out, &c->svc, c->params, e);
}

static int retrieve(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_plan_family_retrieve(out, &c->svc, c->id, e);
}

static int update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_plan_family_update(out, &c->svc, c->id, c->params, e);
}

static int list(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_plan_family_list(out, &c->svc, c->params, e);
}

static int migrate(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_subscription_migrate(out, &c->svc, c->id, c->params, e);
}

static int migration(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_subscription_migration(out, &c->svc, c->id, e);
}

static int migration_delete(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_subscription_migration_delete(out, &c->svc, c->id, e);
}

static int version_update(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_plan_version_update_create(out, &c->svc, c->id, c->params, e);
}

static int mrr_movements(json_t **out, struct api_call *c, struct recur_err *e)
{
	return svc_mrr_movement_list(out, &c->svc, c->params, e);
}

const struct api_route api_plan_family_routes[] = {
	{ "POST", "/v1/plan_families", create },
	{ "GET", "/v1/plan_families", list },
	{ "GET", "/v1/plan_families/:id", retrieve, API_NO_PARAMS },
	{ "POST", "/v1/plan_families/:id", update },
	{ "POST", "/v1/plan_families/:id/version_updates", version_update },
	{ "POST", "/v1/subscriptions/:id/migrate", migrate },
	{ "GET", "/v1/subscriptions/:id/migration", migration, API_NO_PARAMS },
	{ "DELETE", "/v1/subscriptions/:id/migration", migration_delete, API_NO_PARAMS },
	{ "GET", "/v1/mrr_movements", mrr_movements },
	{ 0 },
};
