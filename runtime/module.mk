# runtime/: the bottom layer and libectls.a; depends on nothing else here.
RUNTIME_SRCS += runtime/diag.c
RUNTIME_SRCS += runtime/crc32c.c
RUNTIME_SRCS += runtime/sha256.c
RUNTIME_SRCS += runtime/tblr.c
RUNTIME_SRCS += runtime/utf8.c
