/* SPDX-License-Identifier: ISC */
/*
 * logfmt.h -- Momentum's own delivery log format: the custom_logger
 * formats and the tls_macros module of a configuration, carried into the
 * policy table for ectls-deliver (runtime/deliver/logfmt.h expands them),
 * and the check that the %outbound_tls* macros of a format can expand.
 *
 * Only top-level stanzas count (includes followed): `tls_macros { }` and
 * `custom_logger [NAME] { }`, as Momentum loads modules at the top level.
 */
#ifndef ECTLS_COMPILER_LOGFMT_H
#define ECTLS_COMPILER_LOGFMT_H

#include "ast.h"
#include "diag.h"
#include "tblw.h"

/*
 * Store the log formats of the configuration below root in the table:
 *  - "delivery_format", "transient_failure_format",
 *    "permanent_failure_format": those of the FIRST custom_logger (document
 *    order, includes followed) that sets at least one of the three; the
 *    formats of later custom_logger stanzas are not used (ectls-deliver
 *    writes one log).  Within that stanza, an option set twice counts with
 *    its last value, as Momentum does.
 *  - "namespace": that stanza's namespace, when it sets one;
 *  - "tls_macros" = "1" when a top-level tls_macros stanza loads the
 *    module.
 * Returns 0, or -1 when the writer refused a value (filed by tblw).
 */
int	logfmt_compile(const struct ast_node *root, struct tblw *);

/*
 * Check log-tls-macros: a custom_logger format (delivery_format,
 * transient_failure_format, permanent_failure_format, reception_format,
 * xfer_format, rejection_format) using an outbound_tls macro while the
 * logger's namespace lacks "outbound_tls" or tls_macros is not loaded.
 * One warning per format option, at its value, with a note per cause.
 */
void	logfmt_check(const struct ast_node *root, struct diag *);

#endif /* ECTLS_COMPILER_LOGFMT_H */
