/* SPDX-License-Identifier: ISC */
/*
 * pipeline.h -- what `ectls lint` and `ectls compile` share: parse, check
 * against the schema, resolve every (binding, domain) and check the TLS
 * material and settings of each effective policy.
 */
#ifndef ECTLS_PIPELINE_H
#define ECTLS_PIPELINE_H

#include <stddef.h>
#include <time.h>

#include "cfg.h"
#include "checks.h"
#include "diag.h"
#include "resolve.h"
#include "schema.h"
#include "strmap.h"

struct pipeline;

struct pipeline_opts {
	struct cfg_opts	 cfg;
	int		 syntax_only;
	const char	*extra_schema[16];
	size_t		 nextra;
	time_t		 now;		/* --now */
	int		 warn_days;	/* --expiry-warn-days; < 0: default */
	int		 engines_both;	/* --engines both */
	/*
	 * --disable/--enable (may be NULL: every check on).  Findings below
	 * error severity that it drops are not even filed.
	 */
	const struct check_policy *checks;
	/*
	 * Progress of the policy checks (may be NULL): called with the
	 * number of bindings done and the total, now and then and once at
	 * the end (done == total).  The caller decides whether to show it.
	 */
	void		(*progress)(size_t done, size_t total, void *arg);
	void		*progress_arg;
	/*
	 * Each checked entry (may be NULL): called after the checks of every
	 * entry of binding b (RESOLVE_OWN, _DOMAIN or _REGEX number i, as
	 * resolve_entry() takes them) with its whole effective policy: every
	 * field and its provenance, protocols left at the default.  *p is the
	 * pipeline's scratch: the callee may change it.  With entry set each
	 * entry is resolved in full once (`ectls compile` builds its table
	 * in the same pass); without it only the fields the checks read.
	 */
	void		(*entry)(struct pipeline *, size_t b,
			    enum resolve_kind, size_t i, struct tblw_policy *p,
			    void *arg);
	void		*entry_arg;
};

struct pipeline_memo;

struct pipeline {
	struct cfg		*cfg;
	struct schema		*schema;
	struct resolve		*res;
	struct tls_checker	*tls;
	struct strmap		 seen;	/* --engines both: files probed */
	struct ptrmap		 nodes;	/* (finding, option node) filed */
	struct pipeline_memo	*memo;	/* TLS settings already checked */
	int			 want_unused, want_unverified;
	int			 want_ca_ignored;
};

/*
 * Run the front end over file, filing every finding in d.  Returns 0 when
 * the run completed (findings or not), 2 when it could not run (unreadable
 * input, schema failure, out of memory).  *pl holds what was built; free
 * it with pipeline_fini() in either case.
 */
int	pipeline_run(const char *file, const struct pipeline_opts *,
	    struct diag *, struct pipeline *);
void	pipeline_fini(struct pipeline *);

/*
 * The evaluated tls_protocols set of a resolved policy (TLS_PROTO_* bits,
 * "+ALL" when unset), without filing findings.
 */
unsigned int pipeline_protocols(const struct tblw_policy *);

/* Parse an ISO 8601 UTC time (2026-01-31, 2026-01-31T12:00:00Z). */
int	pipeline_parse_time(const char *, time_t *);

#endif
