# wb — build, test, install.  `make` builds ./wb; see README.md for the rest.
#
# Layers (DESIGN.md §1) are visible here: the engine (app/core, app/ml,
# app/track, app/ship, app/plot) is built into libwbengine.a, which the C unit
# tests link alone, so an engine file that reaches up into Lua or a face fails
# to link in the tests.

PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
PKGS     := lua5.4 ncursesw readline sqlite3 jansson libcrypto libarchive libmicrohttpd
WB_VERSION := 0.1.0

# Debian packages `make deps` installs when missing (pkg-config names above come from these).
DEB_PKGS := gcc make pkg-config perl liblua5.4-dev libncurses-dev libreadline-dev \
            libsqlite3-dev sqlite3 libjansson-dev libssl-dev libarchive-dev libmicrohttpd-dev \
            tmux gnuplot-nox git python3 curl

CC       ?= cc
OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wpointer-arith -Wcast-qual -Wvla -Wno-unused-parameter
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS   ?=
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DWB_VERSION='"$(WB_VERSION)"' \
             -DWB_DATADIR='"$(PREFIX)/share/wb"' -Iapp $(PKG_CFLAGS) \
             -fopenmp $(WARN) $(OPT) $(EXTRA_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = -fopenmp $(EXTRA_LDFLAGS) $(LDFLAGS)
LIBS     = $(PKG_LIBS) -lm -ldl -lpthread

ENGINE_SRC := $(sort $(wildcard app/core/*.c app/ml/*.c app/track/*.c app/ship/*.c app/plot/*.c))
FACE_SRC   := $(sort $(wildcard app/lua/*.c app/cli/*.c app/tui/*.c app/repl/*.c))
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/%.o)
FACE_OBJ   := $(FACE_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   := $(UNIT_SRC:%.c=$(BUILD)/%)

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all deps test check asan-test run install uninstall clean unit-tests bench
all: wb

wb: $(BUILD)/wb
	$(Q)cp $< $@

$(BUILD)/wb: $(FACE_OBJ) $(BUILD)/libwbengine.a
	@echo "  LINK   $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(FACE_OBJ) $(BUILD)/libwbengine.a $(LIBS)

$(BUILD)/libwbengine.a: $(ENGINE_OBJ)
	@echo "  AR     $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC     $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/tap.h tests/unit/fixture.h $(BUILD)/libwbengine.a
	@mkdir -p $(dir $@)
	@echo "  TEST   $@"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libwbengine.a $(LIBS)

unit-tests: $(UNIT_BIN)

-include $(ENGINE_OBJ:.o=.d) $(FACE_OBJ:.o=.d)

# Install any missing Debian package; a no-op when everything is present.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "make deps: all packages present"; fi

# The whole suite, warnings as errors, in its own build directory.
TEST_BUILD ?= build-test
test: deps
	$(Q)$(MAKE) --no-print-directory BUILD=$(TEST_BUILD) EXTRA_CFLAGS="-Werror $(EXTRA_CFLAGS)" check

# Tests run the binary of their own build directory, so a sanitizer build
# never replaces ./wb (which benchmarks and `make run` use).
check: $(BUILD)/wb unit-tests
	@WB=$(CURDIR)/$(BUILD)/wb WB_DATADIR=$(CURDIR) BUILD=$(BUILD) sh tests/run-all.sh

asan-test: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-Werror -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" check

# The quickstart headless, then the TUI on the runs it recorded (in a
# terminal; elsewhere, e.g. CI logs, the TUI is skipped).
run: deps wb
	./wb run recipes/quickstart.lua
	@if [ -t 0 ] && [ -t 1 ]; then ./wb; else echo "make run: not a terminal, so the TUI is not opened (try ./wb)"; fi

bench: wb
	sh bench/run-all.sh

install: wb
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/wb/lua/wb \
	  $(DESTDIR)$(PREFIX)/share/wb/recipes $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 wb $(DESTDIR)$(PREFIX)/bin/wb
	install -m 644 workbench.lua $(DESTDIR)$(PREFIX)/share/wb/workbench.lua
	install -m 644 lua/wb/*.lua $(DESTDIR)$(PREFIX)/share/wb/lua/wb/
	cp -R recipes/. $(DESTDIR)$(PREFIX)/share/wb/recipes/
	cp -R data $(DESTDIR)$(PREFIX)/share/wb/
	install -m 644 man/wb.1 $(DESTDIR)$(PREFIX)/share/man/man1/wb.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/wb $(DESTDIR)$(PREFIX)/share/man/man1/wb.1
	rm -rf $(DESTDIR)$(PREFIX)/share/wb

clean:
	rm -rf build build-test build-asan wb
