/*
 * registry — named, versioned models in the run log, with aliases.
 *
 *   registry_register(rl, "credit", run_id, "credit.wbz", sha, &version, err)
 *   registry_set_alias(rl, "credit", "production", 3, "ship it", err)
 *   registry_resolve(rl, "credit@production", &entry, err)   -> version 3
 *
 * A name's versions count 1, 2, 3, ... in registration order and are never
 * reused or rewritten.  An alias ("production", "staging") points at one
 * version; every change to it (set, moved, removed) appends a row to
 * alias_history with who (user, host), when and an optional message, and
 * the schema refuses updates and deletes of that history (an audit trail,
 * as MLflow's registry keeps).  Writes are BEGIN IMMEDIATE transactions on
 * the run log's connection, so several processes can register at once.
 *
 * References: "name" (the latest version), "name:3" / "name@3" (version
 * 3), "name@alias".
 */
#ifndef WB_REGISTRY_H
#define WB_REGISTRY_H

#include <jansson.h>
#include <stdint.h>
#include "core/err.h"
#include "track/runlog.h"

struct registry_entry {
	char name[128];
	int64_t version;
	char run_id[RUNLOG_ID_LEN];   /* "" when registered from a bundle alone */
	char bundle[1024];            /* the bundle's path, "" if none */
	char sha256[65];              /* of the bundle (or the model JSON) */
	double created;               /* seconds since the epoch */
};

/* A name is 1-100 characters of [A-Za-z0-9_.-], starting with a letter or
 * digit; an alias the same, and not all digits (it would read as a
 * version). */
int registry_check_name(const char *name, const char *what, struct wb_err *err);

/* Registers the next version of name; *version gets it.  run_id and bundle
 * may be NULL (not both); an unknown run id is an error. */
int registry_register(struct runlog *rl, const char *name, const char *run_id,
		      const char *bundle, const char *sha256, int64_t *version,
		      struct wb_err *err);

/* The sha256 (hex) of the model run trained, its last "model" artifact,
 * or "" when it has none or the run is unknown: what registering a run
 * keeps. */
void registry_run_model_sha(struct runlog *rl, const char *run, char sha[65]);
/* Points alias at an existing version (setting, moving); message may be
 * NULL.  Recorded in alias_history with the previous version. */
int registry_set_alias(struct runlog *rl, const char *name, const char *alias,
		       int64_t version, const char *message, struct wb_err *err);
/* Removes an alias (an error if it is not set); recorded in the history. */
int registry_remove_alias(struct runlog *rl, const char *name, const char *alias,
			  const char *message, struct wb_err *err);

/* Resolves a reference (see above) to its entry. */
int registry_resolve(struct runlog *rl, const char *ref, struct registry_entry *out,
		     struct wb_err *err);

/* All models: JSON array of { name, version, run_id, bundle, sha256,
 * created, aliases: [..] }, by name then version.  name NULL: every name. */
int registry_list(struct runlog *rl, const char *name, json_t **out, struct wb_err *err);
/* The alias history of name (NULL: all), oldest first: JSON array of
 * { name, alias, version, previous, time, user, host, message }. */
int registry_history(struct runlog *rl, const char *name, json_t **out, struct wb_err *err);

#endif
