/* SPDX-License-Identifier: ISC */
/* compile.h -- building the policy table from a checked configuration. */
#ifndef ECTLS_COMPILE_H
#define ECTLS_COMPILE_H

#include "diag.h"
#include "pipeline.h"
#include "tblw.h"

/*
 * Resolve every entry of the configuration into a new writer (free with
 * tblw_free()): each binding's own record, its exact domains and its regex
 * entries, with the SHA-256 of every referenced file.  NULL after filing
 * the reason in d.
 */
struct tblw *compile_table(struct pipeline *, struct diag *);

#endif
