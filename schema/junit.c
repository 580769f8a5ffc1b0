/* SPDX-License-Identifier: ISC */
/*
 * junit.c -- JUnit XML through libxml2's xmlTextWriter.  libxml2 is
 * included only under schema/ (STYLE 2.1); the API in junit.h takes plain
 * C strings, and this file makes any bytes safe for XML 1.0.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "junit.h"
#include "utf8.h"

/* Whether XML 1.0 allows the code point in a document (section 2.2). */
static int
xml_char_ok(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	    (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/*
 * A copy of s (NULL: "") with every invalid sequence and every character
 * XML cannot carry replaced by U+FFFD.  Returns a new string; free with
 * free(), or NULL on ENOMEM.
 */
static xmlChar *
xml_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0, o = 0, k;
	unsigned char *out;
	uint32_t cp;

	/* Each input byte becomes at most 3 output bytes. */
	if ((out = malloc(n * 3 + 1)) == NULL)
		return NULL;
	while (i < n) {
		k = utf8_decode(p + i, n - i, &cp);
		if (k == 0 || !xml_char_ok(cp)) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i += k ? k : 1;
			continue;
		}
		memcpy(out + o, p + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	return out;
}

static int
put_attr(xmlTextWriterPtr w, const char *name, const char *value)
{
	xmlChar *v;
	int rc;

	if ((v = xml_clean(value)) == NULL)
		return -1;
	rc = xmlTextWriterWriteAttribute(w, BAD_CAST name, v);
	free(v);
	return rc < 0 ? -1 : 0;
}

static int
put_attr_num(xmlTextWriterPtr w, const char *name, size_t value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%zu", value);
	return put_attr(w, name, buf);
}

static int
put_text(xmlTextWriterPtr w, const char *s)
{
	xmlChar *v;
	int rc;

	if ((v = xml_clean(s)) == NULL)
		return -1;
	rc = xmlTextWriterWriteString(w, v);
	free(v);
	return rc < 0 ? -1 : 0;
}

static int
put_case(xmlTextWriterPtr w, const struct junit_case *c)
{
	if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ||
	    put_attr(w, "classname", c->classname) == -1 ||
	    put_attr(w, "name", c->name) == -1)
		return -1;
	if (c->skipped &&
	    (xmlTextWriterStartElement(w, BAD_CAST "skipped") < 0 ||
	    put_attr(w, "message", "disabled") == -1 ||
	    xmlTextWriterEndElement(w) < 0))
		return -1;
	if (c->failure_type != NULL) {
		if (xmlTextWriterStartElement(w, BAD_CAST "failure") < 0 ||
		    put_attr(w, "message", c->failure_message) == -1 ||
		    put_attr(w, "type", c->failure_type) == -1 ||
		    put_text(w, c->failure_text) == -1 ||
		    xmlTextWriterEndElement(w) < 0)
			return -1;
	}
	if (c->system_out != NULL) {
		if (xmlTextWriterStartElement(w, BAD_CAST "system-out") < 0 ||
		    put_text(w, c->system_out) == -1 ||
		    xmlTextWriterEndElement(w) < 0)
			return -1;
	}
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

int
junit_write(FILE *fp, const char *suite, const struct junit_case *cases,
    size_t ncases)
{
	xmlBufferPtr buf = NULL;
	xmlTextWriterPtr w = NULL;
	size_t i, len, failures = 0, skipped = 0;
	int rc = -1;

	for (i = 0; i < ncases; i++) {
		failures += cases[i].failure_type != NULL;
		skipped += cases[i].skipped != 0;
	}
	if ((buf = xmlBufferCreate()) == NULL)
		goto out;
	if ((w = xmlNewTextWriterMemory(buf, 0)) == NULL)
		goto out;
	if (xmlTextWriterSetIndent(w, 1) < 0 ||
	    xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
	    xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0 ||
	    put_attr(w, "name", suite) == -1 ||
	    put_attr_num(w, "tests", ncases) == -1 ||
	    put_attr_num(w, "failures", failures) == -1 ||
	    put_attr_num(w, "errors", 0) == -1 ||
	    put_attr_num(w, "skipped", skipped) == -1 ||
	    xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0 ||
	    put_attr(w, "name", suite) == -1 ||
	    put_attr_num(w, "tests", ncases) == -1 ||
	    put_attr_num(w, "failures", failures) == -1 ||
	    put_attr_num(w, "errors", 0) == -1 ||
	    put_attr_num(w, "skipped", skipped) == -1)
		goto out;
	for (i = 0; i < ncases; i++)
		if (put_case(w, &cases[i]) == -1)
			goto out;
	/* Closes testsuite and testsuites. */
	if (xmlTextWriterEndDocument(w) < 0)
		goto out;
	xmlFreeTextWriter(w);
	w = NULL;
	len = (size_t)xmlBufferLength(buf);
	if (fwrite(xmlBufferContent(buf), 1, len, fp) != len)
		goto out;
	if (fflush(fp) == EOF || ferror(fp))
		goto out;
	rc = 0;
out:
	if (w != NULL)
		xmlFreeTextWriter(w);
	if (buf != NULL)
		xmlBufferFree(buf);
	return rc;
}
