# runtime/: the bottom layer and libectls.a; depends on nothing else here.
RUNTIME_SRCS += runtime/diag.c
