# bench/: benchmarks against peers, run by `make bench`.
#   bench-table  the policy table vs tinycdb (Debian libcdb-dev, `cdb`):
#                lookups, bytes per key, build time, open time.
#                BENCH_TABLE_ARGS="-n 10000,1000000 -q 1000000" for a
#                shorter run.
BENCH_TARGETS += bench-table
BENCH_TABLE_ARGS ?=
.PHONY: bench-table

bench-table: $(BUILD)/bench/table_bench
	$(BUILD)/bench/table_bench $(BENCH_TABLE_ARGS)

$(BUILD)/bench/table_bench: $(BUILD)/bench/table_bench.o \
    $(call obj,compiler/tblw.c) $(BUILD)/libectls.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ \
	    $(shell pkg-config --libs libpcre2-8) -lcdb
# bench-parser  parser throughput (MB/s) and peak RSS on a generated
#               1,000,200-line configuration (bench/parser.sh).
BENCH_TARGETS += bench-parser
.PHONY: bench-parser
bench-parser: $(BUILD)/ectls
	ECTLS=$(BUILD)/ectls BENCH_DIR=$(BUILD)/bench bash bench/parser.sh
# bench-compile  ectls compile of 1,000,000 pairs vs cdb -c.
BENCH_TARGETS += bench-compile
.PHONY: bench-compile
bench-compile: $(BUILD)/ectls
	ECTLS=$(BUILD)/ectls BENCH_DIR=$(BUILD)/bench bash bench/compile.sh
# bench-lint     lint of 1,000 bindings with their own certificate, key and
#                CA and 100 domains each; cost per distinct file.
BENCH_TARGETS += bench-lint
.PHONY: bench-lint
bench-lint: $(BUILD)/ectls
	ECTLS=$(BUILD)/ectls BENCH_DIR=$(BUILD)/bench bash bench/lint.sh
# bench-spool   ectls-deliver's spool engine (submit + run) against Postfix's
#               own SMTP client: deliveries per second and peak RSS for
#               10,000 small messages over STARTTLS (TLS 1.3) to a discarding
#               Postfix on 127.0.0.1, at concurrency 1, 10 and 50
#               (bench/spool.sh; BENCH_SPOOL_N=1000 BENCH_SPOOL_CONC="1 10"
#               for a shorter run).  Runs as root: it starts two private
#               Postfix instances and stops them.
BENCH_TARGETS += bench-spool
.PHONY: bench-spool
bench-spool: $(BUILD)/ectls $(BUILD)/ectls-deliver
	mkdir -p $(BUILD)/bench
	DELIVER=$(BUILD)/ectls-deliver ECTLS=$(BUILD)/ectls \
	    BENCH_DIR=$(BUILD)/bench bash bench/spool.sh
# bench-handshake  STARTTLS handshakes per second, with and without TLS
#                  session resumption, OpenSSL and GnuTLS engines, TLS 1.3,
#                  against the discarding Postfix of bench/spool.sh
#                  (bench/handshake.sh; BENCH_HS_N=2000 connections per run).
BENCH_TARGETS += bench-handshake
.PHONY: bench-handshake
bench-handshake: $(BUILD)/bench/handshake_bench $(BUILD)/ectls $(BUILD)/ectls-deliver
	HSBENCH=$(BUILD)/bench/handshake_bench DELIVER=$(BUILD)/ectls-deliver \
	    ECTLS=$(BUILD)/ectls BENCH_DIR=$(BUILD)/bench bash bench/handshake.sh
$(BUILD)/bench/handshake_bench: $(BUILD)/bench/handshake_bench.o $(BUILD)/libectls.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(DELIVER_LIBS)
