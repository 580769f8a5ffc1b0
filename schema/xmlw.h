/* SPDX-License-Identifier: ISC */
/*
 * xmlw.h -- a small XML 1.0 document writer over libxml2's xmlTextWriter,
 * for commands outside schema/ (libxml2 is included only here, STYLE 2.1).
 * Callers pass plain C strings holding any bytes.
 *
 * Strings are made safe for XML 1.0 deliberately, because xmlTextWriter
 * (2.9) copies bytes that are not UTF-8, and characters XML cannot carry
 * (U+0001..U+001F but tab, newline and return; U+FFFE, U+FFFF), into the
 * document unchanged and reports success, which leaves it malformed:
 *  - each invalid UTF-8 sequence and each such character becomes U+FFFD
 *    (as schema/junit.c does);
 *  - with `hex` (xmlw_new), when that changed a string, its exact bytes are
 *    written too, in lower case hex: an attribute NAME gets a sibling
 *    attribute NAME-hex, element text gets an attribute hex on its element.
 *    Nothing is lost.  (JUnit reports, read by tools that know their
 *    attributes, go without.)
 * The writer escapes < & > " itself, and tab, newline and return in
 * attribute values as character references (so they survive attribute
 * value normalisation).
 *
 * Errors are sticky: after the first failure (out of memory in libxml2)
 * every call returns -1 and xmlw_write() writes nothing.
 */
#ifndef ECTLS_XMLW_H
#define ECTLS_XMLW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct xmlw;

/*
 * A new document (XML declaration, UTF-8, two-space indentation) built in
 * memory.  Returns a new writer; free with xmlw_free(); NULL on ENOMEM.
 */
struct xmlw	*xmlw_new(int hex);
void		 xmlw_free(struct xmlw *);

/* Open an element; name is a literal (not checked). */
int	xmlw_start(struct xmlw *, const char *name);
/* Close the innermost open element. */
int	xmlw_end(struct xmlw *);
/*
 * An attribute of the element just opened (before any text or child).
 * value NULL: no attribute.
 */
int	xmlw_attr(struct xmlw *, const char *name, const char *value);
int	xmlw_attr_u64(struct xmlw *, const char *name, uint64_t value);
/*
 * The text of the element just opened (NULL: none): call it at most once,
 * before any child, since it may add the hex attribute first.
 */
int	xmlw_text(struct xmlw *, const char *s);

/*
 * Close every open element and write the whole document to fp (then
 * fflush).  Returns 0, or -1 when an earlier call failed (nothing is
 * written) or the write fails (errno set, ferror(fp)).
 */
int	xmlw_write(struct xmlw *, FILE *fp);

#endif /* ECTLS_XMLW_H */
