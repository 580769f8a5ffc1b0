# runtime/smtp/: the SMTP client of the delivery runtime (reply parser, I/O
# layer, state machine, routing).  Part of libectls.a; ectls-deliver links it.
RUNTIME_SRCS += runtime/smtp/reply.c
RUNTIME_SRCS += runtime/smtp/io.c
RUNTIME_SRCS += runtime/smtp/smtpc.c
RUNTIME_SRCS += runtime/smtp/route.c
