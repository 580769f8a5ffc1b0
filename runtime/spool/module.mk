# runtime/spool/: the on-disk queue of ectls-deliver (submit/run/queue).
# Part of libectls.a; depends on libc only.
RUNTIME_SRCS += runtime/spool/spool.c
