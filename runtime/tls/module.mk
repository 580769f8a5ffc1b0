# runtime/tls/: the neutral TLS layer (tls.c) and its backends.  Each backend
# is the only file that includes its library (make lint-includes).  Build
# without one with CPPFLAGS+=-DECTLS_NO_OPENSSL or -DECTLS_NO_GNUTLS.
RUNTIME_SRCS += runtime/tls/tls.c
ifeq ($(findstring ECTLS_NO_OPENSSL,$(CPPFLAGS) $(CFLAGS)),)
RUNTIME_SRCS += runtime/tls/tls_openssl.c
endif
ifeq ($(findstring ECTLS_NO_GNUTLS,$(CPPFLAGS) $(CFLAGS)),)
RUNTIME_SRCS += runtime/tls/tls_gnutls.c
endif
