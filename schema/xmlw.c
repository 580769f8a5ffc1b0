/* SPDX-License-Identifier: ISC */
/*
 * xmlw.c -- XML documents through libxml2's xmlTextWriter (see xmlw.h for
 * what is done to strings XML 1.0 cannot carry).  libxml2 is included only
 * under schema/ (STYLE 2.1).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "utf8.h"
#include "xmlw.h"

struct xmlw {
	xmlBufferPtr	 buf;
	xmlTextWriterPtr w;
	int		 hex;		/* write the bytes of cleaned strings */
	int		 failed;
};

/* Whether XML 1.0 allows the code point in a document (section 2.2). */
static int
xml_char_ok(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	    (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/*
 * A copy of s with every invalid UTF-8 sequence and every character XML
 * cannot carry replaced by U+FFFD; *changed says whether any was.  Returns
 * a new string; free with free(), or NULL on ENOMEM.
 */
static xmlChar *
xml_clean(const char *s, int *changed)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k;
	unsigned char *out;
	uint32_t cp;

	*changed = 0;
	/* Each input byte becomes at most 3 output bytes. */
	if (n > (SIZE_MAX - 1) / 3 || (out = malloc(n * 3 + 1)) == NULL)
		return NULL;
	while (i < n) {
		k = utf8_decode(p + i, n - i, &cp);
		if (k == 0 || !xml_char_ok(cp)) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i += k ? k : 1;
			*changed = 1;
			continue;
		}
		memcpy(out + o, p + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	return out;
}

/* s in lower-case hex.  Returns a new string; free with free(), or NULL. */
static xmlChar *
hex_of(const char *s)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i;
	xmlChar *out;

	if (n > (SIZE_MAX - 1) / 2 || (out = malloc(2 * n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		out[2 * i] = (xmlChar)digits[p[i] >> 4];
		out[2 * i + 1] = (xmlChar)digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
	return out;
}

/* Record rc (< 0: failure) in the sticky flag. */
static int
check(struct xmlw *x, int rc)
{
	if (rc < 0)
		x->failed = 1;
	return x->failed ? -1 : 0;
}

struct xmlw *
xmlw_new(int hex)
{
	struct xmlw *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->hex = hex;
	if ((x->buf = xmlBufferCreate()) == NULL ||
	    (x->w = xmlNewTextWriterMemory(x->buf, 0)) == NULL ||
	    xmlTextWriterSetIndent(x->w, 1) < 0 ||
	    xmlTextWriterSetIndentString(x->w, BAD_CAST "  ") < 0 ||
	    xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL) < 0) {
		xmlw_free(x);
		return NULL;
	}
	return x;
}

void
xmlw_free(struct xmlw *x)
{
	if (x == NULL)
		return;
	if (x->w != NULL)
		xmlFreeTextWriter(x->w);
	if (x->buf != NULL)
		xmlBufferFree(x->buf);
	free(x);
}

int
xmlw_start(struct xmlw *x, const char *name)
{
	if (x->failed)
		return -1;
	return check(x, xmlTextWriterStartElement(x->w, BAD_CAST name));
}

int
xmlw_end(struct xmlw *x)
{
	if (x->failed)
		return -1;
	return check(x, xmlTextWriterEndElement(x->w));
}

int
xmlw_attr(struct xmlw *x, const char *name, const char *value)
{
	xmlChar *v = NULL, *h = NULL;
	char hname[64];
	int changed, rc = -1;

	if (x->failed)
		return -1;
	if (value == NULL)
		return 0;
	if ((v = xml_clean(value, &changed)) == NULL)
		goto out;
	if (xmlTextWriterWriteAttribute(x->w, BAD_CAST name, v) < 0)
		goto out;
	if (changed && x->hex) {
		if (snprintf(hname, sizeof(hname), "%s-hex", name) >=
		    (int)sizeof(hname) || (h = hex_of(value)) == NULL ||
		    xmlTextWriterWriteAttribute(x->w, BAD_CAST hname, h) < 0)
			goto out;
	}
	rc = 0;
out:
	free(h);
	free(v);
	return check(x, rc);
}

int
xmlw_attr_u64(struct xmlw *x, const char *name, uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)value);
	return xmlw_attr(x, name, buf);
}

int
xmlw_text(struct xmlw *x, const char *s)
{
	xmlChar *v = NULL, *h = NULL;
	int changed, rc = -1;

	if (x->failed)
		return -1;
	if (s == NULL)
		s = "";
	if ((v = xml_clean(s, &changed)) == NULL)
		goto out;
	if (changed && x->hex && ((h = hex_of(s)) == NULL ||
	    xmlTextWriterWriteAttribute(x->w, BAD_CAST "hex", h) < 0))
		goto out;
	if (xmlTextWriterWriteString(x->w, v) < 0)
		goto out;
	rc = 0;
out:
	free(h);
	free(v);
	return check(x, rc);
}

int
xmlw_write(struct xmlw *x, FILE *fp)
{
	size_t len;

	if (x->failed)
		return -1;
	/* Closes every open element and flushes into buf. */
	if (check(x, xmlTextWriterEndDocument(x->w)) == -1)
		return -1;
	xmlFreeTextWriter(x->w);
	x->w = NULL;
	x->failed = 1;		/* the document is finished */
	len = (size_t)xmlBufferLength(x->buf);
	if (fwrite(xmlBufferContent(x->buf), 1, len, fp) != len)
		return -1;
	if (fflush(fp) == EOF || ferror(fp))
		return -1;
	return 0;
}
