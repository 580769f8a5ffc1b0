/* SPDX-License-Identifier: ISC */
/* tblfmt.h -- rendering table values (cmd_table.c), shared by explain. */
#ifndef ECTLS_TBLFMT_H
#define ECTLS_TBLFMT_H

#include <stdio.h>

#include "ectls.h"

/* A JSON string (valid JSON even for bytes that are not UTF-8), or null. */
void	json_str(FILE *, const char *);
/* The value of one field of a policy, as JSON or as text. */
void	field_value(FILE *, const struct ectls_policy *, int field, int json);

#endif
