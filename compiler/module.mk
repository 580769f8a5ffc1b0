# compiler/: the `ectls` command and its passes.
ECTLS_MAIN    += compiler/main.c
COMPILER_SRCS += compiler/checks.c
COMPILER_SRCS += compiler/report.c
SCHEMA_SRCS   += schema/junit.c schema/xmlw.c
COMPILER_SRCS += compiler/cmd_lint.c
COMPILER_SRCS += compiler/tblw.c
COMPILER_SRCS += compiler/cmd_table.c
COMPILER_SRCS += compiler/cli.c
COMPILER_SRCS += compiler/strmap.c
COMPILER_SRCS += compiler/sema.c
COMPILER_SRCS += compiler/resolve.c
COMPILER_SRCS += compiler/pipeline.c
COMPILER_SRCS += compiler/cmd_compile.c
COMPILER_SRCS += compiler/logfmt.c
