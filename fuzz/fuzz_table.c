/* SPDX-License-Identifier: ISC */
/*
 * fuzz_table.c -- libFuzzer target for the table reader: any bytes given
 * to ectls_open_mem, then lookups, iteration, every accessor and the full
 * check, must end in a table or a clean error code, never a crash.  Each
 * input is tried twice: as it is, and with every checksum recomputed, so
 * the structural checks behind the checksums get fuzzed too.
 * Seeds: fuzz/corpus/table/ (tables made by tests/table/mktable).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "ectls.h"
#include "tbl_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
touch(const struct ectls_policy *p)
{
	struct ectls_prov pv;
	size_t i, n;
	int f;

	if (p == NULL)
		return;
	for (f = 0; f < ECTLS_NFIELDS; f++) {
		(void)ectls_policy_num(p, f);
		if (ectls_policy_str(p, f) != NULL)
			(void)strlen(ectls_policy_str(p, f));
		n = ectls_policy_list_len(p, f);
		for (i = 0; i < n; i++)
			(void)strlen(ectls_policy_list_item(p, f, i));
		ectls_policy_prov(p, f, &pv);
		if (pv.file != NULL)
			(void)strlen(pv.file);
	}
	(void)ectls_policy_protocols(p);
}

static void
lookups(const struct ectls_table *t)
{
	static const char *const q[][2] = {
		{ "default", "example.com" }, { "mta1", "Example.COM." },
		{ "mta1", "mx12.corp.example" }, { "mta1", "www.corp.example" },
		{ "nobody", "example.org" }, { "mta1", NULL }, { NULL, "a.b" },
	};
	struct ectls_match m;
	size_t i;
	int err;

	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		touch(ectls_lookup_ex(t, q[i][0], q[i][1], &m, &err));
}

/* Recompute the block checksums and the header checksum in place. */
static void
fix_crcs(uint8_t *f, size_t len)
{
	uint64_t g, bc, blk, s, i;
	uint32_t shift;

	if (len < TBL_HEADER_SIZE)
		return;
	g = tbl_le64(f + TBL_H_DIR + 16 * TBL_S_G);
	bc = tbl_le64(f + TBL_H_DIR + 16 * TBL_S_BLOCKCRC);
	shift = tbl_le32(f + TBL_H_BSHIFT);
	if (g > len || bc > len || shift < 10 || shift > 24)
		return;
	blk = (uint64_t)1 << shift;
	for (i = 0; (s = g + i * blk) < len && bc + 4 * i + 4 <= g; i++)
		tbl_put32(f + bc + 4 * i, crc32c(0, f + s,
		    (size_t)(len - s < blk ? len - s : blk)));
	tbl_put32(f + TBL_H_CRC, 0);
	tbl_put32(f + TBL_H_CRC, crc32c(0, f, (size_t)g));
}

static void
run(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	run(data, size);
	if (size >= TBL_HEADER_SIZE && (copy = malloc(size)) != NULL) {
		memcpy(copy, data, size);
		fix_crcs(copy, size);
		run(copy, size);
		free(copy);
	}
	return 0;
}

static void
run(const uint8_t *data, size_t size)
{
	struct ectls_table *t;
	struct ectls_iter it;
	struct ectls_entry e;
	const char *a, *b;
	const uint8_t *sha;
	size_t i;
	int err = 0;

	if ((t = ectls_open_mem(data, size, &err)) == NULL) {
		if (err <= 0 || err >= ECTLS_ERR__COUNT)
			abort();
		return;
	}
	(void)strlen(ectls_schema(t));
	lookups(t);
	ectls_iter_init(&it);
	for (i = 0; i < 10000 && ectls_iter_next(t, &it, &e) == 1; i++) {
		(void)strlen(e.binding);
		if (e.domain != NULL)
			(void)strlen(e.domain);
		touch(e.policy);
		touch(ectls_lookup(t, e.binding, e.domain));
	}
	for (i = 0; ectls_file(t, i, &a, &sha) == 0; i++)
		(void)strlen(a);
	for (i = 0; ectls_logformat(t, i, &a, &b) == 0; i++)
		(void)(strlen(a) + strlen(b));
	(void)ectls_check(t);
	lookups(t);
	ectls_close(t);
}
