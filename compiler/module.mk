# compiler/: the `ectls` command and its passes.
ECTLS_MAIN    += compiler/main.c
COMPILER_SRCS += compiler/checks.c
