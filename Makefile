# Makefile for scsm (PGXS)
#
# The version has one source of truth: default_version in scsm.control.
# The install script is assembled from sql/install/*.sql in name order.

EXTENSION   = scsm
EXTVERSION  = $(shell sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big  = $(EXTENSION)
OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

INSTALL_PARTS = $(sort $(wildcard sql/install/*.sql))
DATA_built  = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA        = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*--*.sql))

# pg_regress inputs: every sql/<topic>.sql whose name has no "--"
REGRESS     = $(sort $(basename $(notdir $(filter-out sql/$(EXTENSION)--%,$(wildcard sql/*.sql)))))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

PG_CPPFLAGS = -I$(srcdir)/src -isystem $(includedir_server)
PG_CFLAGS   = -Wall -Wextra -Werror
SHLIB_LINK  = -lm

EXTRA_CLEAN = $(DATA_built) results regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Row hashes call OpenSSL directly when the server is built with it
# (src/ledger_hash.c); otherwise PostgreSQL's cryptohash API.
ifeq ($(with_ssl),openssl)
SHLIB_LINK += -lcrypto
endif

$(DATA_built): $(INSTALL_PARTS) $(EXTENSION).control
	cat $(INSTALL_PARTS) > $@

# PGXS tracks no header dependencies: rebuild every object when a header changes
$(OBJS): $(wildcard src/*.h)
