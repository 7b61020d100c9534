/*
 * fault-inject.c — the allocation wrapper of fault-inject.h. Built only
 * with --enable-fault-injection.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "fault-inject.h"

enum fault_mode { FAULT_OFF, FAULT_COUNT, FAULT_ONCE, FAULT_PERSISTENT };

static const char *control;
static sqlite3_mem_methods base;
static enum fault_mode mode;
static unsigned long target, counted;
static int armed;

/* Counts one allocation; 1 when it is to fail. */
static int
fault_due(void)
{
	if (!armed)
		return 0;
	counted++;
	return (mode == FAULT_ONCE && counted == target) ||
	    (mode == FAULT_PERSISTENT && counted >= target);
}

static void *
sqlite_malloc(int n)
{
	return fault_due() ? NULL : base.xMalloc(n);
}

static void *
sqlite_realloc(void *p, int n)
{
	return fault_due() ? NULL : base.xRealloc(p, n);
}

static void *
json_malloc(size_t n)
{
	return fault_due() ? NULL : malloc(n);
}

void
fault_install(void)
{
	sqlite3_mem_methods wrapped;

	if ((control = getenv("QF_FAULT_CONTROL")) == NULL)
		return;
	/* Before sqlite3_initialize: GETMALLOC hands back the default allocator. */
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &base) != SQLITE_OK)
		return;
	wrapped = base;
	wrapped.xMalloc = sqlite_malloc;
	wrapped.xRealloc = sqlite_realloc;
	sqlite3_config(SQLITE_CONFIG_MALLOC, &wrapped);
	json_set_alloc_funcs(json_malloc, free);
}

void
fault_request_begin(void)
{
	char word[16] = "off";
	FILE *f;

	mode = FAULT_OFF;
	target = 0;
	if (control == NULL || (f = fopen(control, "r")) == NULL)
		return;
	if (fscanf(f, "%15s %lu", word, &target) >= 1) {
		if (strcmp(word, "count") == 0)
			mode = FAULT_COUNT;
		else if (strcmp(word, "once") == 0)
			mode = FAULT_ONCE;
		else if (strcmp(word, "persistent") == 0)
			mode = FAULT_PERSISTENT;
	}
	fclose(f);
	counted = 0;
	armed = mode != FAULT_OFF;
}

void
fault_request_end(void)
{
	char path[4096];
	FILE *f;

	armed = 0;
	if (mode != FAULT_COUNT)
		return;
	snprintf(path, sizeof(path), "%s.count", control);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%lu\n", counted);
		fclose(f);
	}
}
