# lake_fdw — PGXS build.
#
#   make && make install      build and install the extension
#   make installcheck         pg_regress tests (needs a running server;
#                             test/run-tests does the whole setup)
#   make -C test/parquet      Parquet layer unit tests, no server needed

MODULE_big = lake_fdw
EXTENSION  = lake_fdw
DATA       = sql/lake_fdw--1.0.sql
PGFILEDESC = "lake_fdw - lake tables as foreign tables"

SRCS = $(sort $(wildcard src/*/*.c src/*/*/*.c))
OBJS = $(SRCS:.c=.o)

REGRESS      = $(patsubst sql/%.sql,%,$(filter-out sql/lake_fdw--%,$(sort $(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=lake_fdw

PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS   = -std=gnu11
SHLIB_LINK  = -lzstd -llz4 -lsnappy -lz

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: rebuild everything when any header changes
HEADERS = $(wildcard src/*/*.h src/*/*/*.h)
$(OBJS): $(HEADERS)
