# SPDX-License-Identifier: ISC
# ectls -- one non-recursive GNU Makefile; each directory adds its files in
# its module.mk.  Everything is built into $(BUILD).

.DEFAULT_GOAL := all

BUILD	?= build
PREFIX	?= /usr/local
DESTDIR	?=
CC	?= cc
BISON	?= bison
FLEX	?= flex
SHARED	?= $(abspath ../shared)
V	?= 0

ifeq ($(V),0)
Q	:= @
else
Q	:=
endif

PKGS	:= openssl gnutls libxml-2.0 libpcre2-8
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

OPT	?= -O2 -g
WARN	:= -Wall -Wextra -Wformat=2 -Wvla -Wimplicit-fallthrough \
	   -Wnull-dereference -Wshadow -Wpointer-arith -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter -Wno-sign-compare
ifeq ($(WERROR),1)
WARN	+= -Werror
endif
SAN	?=
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	   -I. -Iruntime -Iruntime/tls -Iparser -Ischema -Icompiler -I$(BUILD)/parser
ALL_CFLAGS = -std=c11 $(OPT) $(SAN) $(WARN) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP
GEN_CFLAGS = $(ALL_CFLAGS) -Wno-unused-function -Wno-null-dereference \
	   -Wno-missing-prototypes -Wno-shadow
ALL_LDFLAGS = $(SAN) $(LDFLAGS)

# Filled in by the module.mk files.
RUNTIME_SRCS :=
PARSER_SRCS  :=
PARSER_GEN   :=
SCHEMA_SRCS  :=
COMPILER_SRCS :=
ECTLS_MAIN   :=
UNIT_TESTS   :=
FUZZ_TARGETS :=
PROGRAMS     :=
BENCH_TARGETS :=

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

# Every directory's module.mk appends to the lists above.
include $(sort $(wildcard */module.mk */*/module.mk))

LIBECTLS     := $(BUILD)/libectls.a
RUNTIME_OBJS := $(call obj,$(RUNTIME_SRCS))
PARSER_OBJS  := $(call obj,$(PARSER_SRCS)) $(PARSER_GEN:.c=.o)
SCHEMA_OBJS  := $(call obj,$(SCHEMA_SRCS))
COMPILER_OBJS := $(call obj,$(COMPILER_SRCS))
FRONT_OBJS   := $(COMPILER_OBJS) $(SCHEMA_OBJS) $(PARSER_OBJS)

DEPS_STAMP   := $(BUILD)/.deps-ok

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all check check-unit demo bench fuzz fuzz-smoke clean install deps \
	lint-includes asan check-asan check-valgrind unit-tests \
	format format-check

all: $(DEPS_STAMP) $(BUILD)/ectls $(LIBECTLS) $(PROGRAMS)

# The dependency script installs what a fresh Debian machine lacks (as root)
# or prints the command; the stamp is redone when the script changes.
$(DEPS_STAMP): scripts/install-deps
	$(Q)sh scripts/install-deps
	$(Q)mkdir -p $(@D) && touch $@
deps:
	sh scripts/install-deps

$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBECTLS): $(RUNTIME_OBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/ectls: $(call obj,$(ECTLS_MAIN)) $(FRONT_OBJS) $(LIBECTLS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Header rule (STYLE 2.1): each library's headers in one place only.
lint-includes:
	@bad=0; \
	for f in $$(git ls-files '*.c' '*.h' '*.l' '*.y' 2>/dev/null); do \
		case $$f in runtime/tls/tls_openssl.c|bench/*|fuzz/*) ;; *) \
		if grep -q '#include *<openssl/' $$f; then echo "$$f: includes OpenSSL"; bad=1; fi;; esac; \
		case $$f in runtime/tls/tls_gnutls.c|bench/*|fuzz/*) ;; *) \
		if grep -q '#include *<gnutls/' $$f; then echo "$$f: includes GnuTLS"; bad=1; fi;; esac; \
		case $$f in schema/*.c|tests/*|bench/*|fuzz/*) ;; *) \
		if grep -q '#include *<libxml/' $$f; then echo "$$f: includes libxml2"; bad=1; fi;; esac; \
		case $$f in runtime/*) \
		if grep -Eq '#include *"(ast|parser|schema|sema)\.h"' $$f; then echo "$$f: runtime includes front-end header"; bad=1; fi;; esac; \
	done; exit $$bad

check: all $(UNIT_TESTS)
	$(Q)BUILD=$(BUILD) SHARED=$(SHARED) FUZZ_SECONDS=$(FUZZ_SECONDS) \
	    bash tests/run.sh

bench: all $(BENCH_TARGETS)

demo: all
	$(Q)BUILD=$(BUILD) sh examples/demo.sh

# make asan / check-asan: everything built with ASan and UBSan (any report
# aborts) into $(ASAN_BUILD), then every unit test and suite but the fuzz
# suites (their targets are ASan+UBSan builds already) and install (its
# consumer program, built with plain cc against the installed libectls.a,
# cannot link an instrumented library).  Every report makes the process
# exit 86.  ASan and LeakSanitizer reports also go to files in
# $(ASAN_BUILD)/san-log, so one in a command whose status a test does not
# check still fails the run; GCC's UBSan ignores log_path and prints to
# stderr, so UBSan findings count only through the exit status (which is
# how the CI's one UBSan finding so far, qsort(NULL, 0), was caught).
# ASAN_TESTS narrows the suites (run.sh's TESTS).
ASAN_BUILD ?= build/asan
ASAN_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=all
ASAN_SUITES = $(patsubst tests/unit/%.c,unit/%,$(wildcard tests/unit/test_*.c)) \
	      $(filter-out fuzz fuzz-% install,$(patsubst tests/%/suite.sh,%,$(wildcard tests/*/suite.sh)))
ASAN_TESTS ?= $(ASAN_SUITES)
ASAN_ENV    = ASAN_OPTIONS=exitcode=86:detect_leaks=1:abort_on_error=0:log_path=$(abspath $(ASAN_BUILD))/san-log/asan \
	      UBSAN_OPTIONS=print_stacktrace=1:exitcode=86:log_path=$(abspath $(ASAN_BUILD))/san-log/ubsan

asan:
	$(MAKE) BUILD=$(ASAN_BUILD) SAN="$(ASAN_SAN)" OPT="-O1 -g" all

check-asan:
	$(MAKE) BUILD=$(ASAN_BUILD) SAN="$(ASAN_SAN)" OPT="-O1 -g" all unit-tests
	$(Q)rm -rf $(ASAN_BUILD)/san-log && mkdir -p $(ASAN_BUILD)/san-log
	$(Q)st=0; $(ASAN_ENV) BUILD=$(ASAN_BUILD) SHARED=$(SHARED) \
	    TESTS="$(ASAN_TESTS)" bash tests/run.sh || st=1; \
	if [ -n "$$(ls -A $(ASAN_BUILD)/san-log)" ]; then \
		echo "check-asan: sanitizer reports:"; \
		head -n 40 $(ASAN_BUILD)/san-log/*; st=1; \
	fi; exit $$st

unit-tests: $(UNIT_TESTS)

# make check-valgrind: the CLI golden suites with $$ECTLS pointing at a
# wrapper that runs the real binary under $(VALGRIND); valgrind's own output
# goes to $(BUILD)/valgrind/log/vg.PID, so a golden comparison sees only the
# tool's; any error or definite/possible leak makes the command exit 99 and
# leaves a non-empty log, which fails the target.
VALGRIND ?= valgrind --error-exitcode=99 --leak-check=full
VALGRIND_SUITES ?= lint compile parser report
VG_DIR = $(abspath $(BUILD))/valgrind

check-valgrind: all unit-tests
	$(Q)rm -rf $(VG_DIR) && mkdir -p $(VG_DIR)/log
	$(Q){ echo '#!/bin/sh'; \
	    echo 'exec $(VALGRIND) --quiet --log-file=$(VG_DIR)/log/vg.%p $(abspath $(BUILD))/ectls "$$@"'; \
	} >$(VG_DIR)/ectls && chmod +x $(VG_DIR)/ectls
	$(Q)st=0; ECTLS=$(BUILD)/valgrind/ectls BUILD=$(BUILD) SHARED=$(SHARED) \
	    TESTS="$(VALGRIND_SUITES)" bash tests/run.sh || st=1; \
	for f in $(VG_DIR)/log/vg.*; do \
		[ -s "$$f" ] || continue; \
		echo "check-valgrind: $$f:"; head -n 40 "$$f"; st=1; \
	done; \
	echo "check-valgrind: $$(ls $(VG_DIR)/log | wc -l) runs under valgrind"; \
	exit $$st

# make install PREFIX=/usr/local DESTDIR=/tmp/stage: the two programs
# (ectls, ectls-deliver), the table reader (libectls.a, ectls.h, ectls.pc),
# the schema and the man pages (man/*.[1-8]).
# ectls.pc names libdir and includedir relative to ${prefix} when they are
# under PREFIX, so `pkg-config --define-variable=prefix=...` relocates it.
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
DATADIR		?= $(PREFIX)/share/ectls
MANDIR		?= $(PREFIX)/share/man
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
INSTALL		?= install
ECTLS_VERSION	 = $(shell sed -n 's/^\#define ECTLS_VERSION_STRING "\(.*\)"$$/\1/p' compiler/cmd.h)
PC_DIR		 = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

install: all $(BUILD)/ectls-deliver
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
	    $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(DATADIR) \
	    $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 755 $(BUILD)/ectls $(BUILD)/ectls-deliver \
	    $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 644 $(LIBECTLS) $(DESTDIR)$(LIBDIR)/libectls.a
	$(INSTALL) -m 644 runtime/ectls.h $(DESTDIR)$(INCLUDEDIR)/ectls.h
	$(INSTALL) -m 644 schema/options.xml schema/options.xsd \
	    $(DESTDIR)$(DATADIR)/
	@test -n "$(ECTLS_VERSION)" || \
	    { echo "install: no ECTLS_VERSION_STRING in compiler/cmd.h" >&2; exit 1; }
	printf '%s\n' 'prefix=$(PREFIX)' \
	    'libdir=$(call PC_DIR,$(LIBDIR))' \
	    'includedir=$(call PC_DIR,$(INCLUDEDIR))' '' \
	    'Name: ectls' \
	    'Description: reader of compiled ectls outbound TLS policy tables' \
	    'Version: $(ECTLS_VERSION)' \
	    'Requires.private: libpcre2-8' \
	    'Libs: -L$${libdir} -lectls' \
	    'Cflags: -I$${includedir}' >$(BUILD)/ectls.pc
	$(INSTALL) -m 644 $(BUILD)/ectls.pc $(DESTDIR)$(PKGCONFIGDIR)/ectls.pc
	for m in man/*.[1-8]; do \
		d=$(DESTDIR)$(MANDIR)/man$${m##*.}; \
		$(INSTALL) -d $$d && $(INSTALL) -m 644 $$m $$d/ || exit 1; \
	done

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
format-check:
	-clang-format --dry-run $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
