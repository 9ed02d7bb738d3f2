# Makefile - one non-recursive build for latticectl, its agent, tests and fuzzers.
#
#   make                 build into build/ (O=DIR to change)
#   make SANITIZE=address,undefined O=build/asan
#   make check           the whole test suite (normal + sanitizer + fuzz smoke)
#   make bench           benchmarks (bench/)
#   make agent-bundle    the agent and what it needs, for pushing to hosts
#   make install PREFIX=/usr/local DESTDIR=

O ?= build
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
LIBEXECDIR = $(PREFIX)/lib/latticectl
MANDIR = $(PREFIX)/share/man
# Debian's places for completions that ship with a package.
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/vendor-completions

CC ?= cc
PKG_CONFIG ?= pkg-config
VERSION := $(shell cat VERSION)

# Every library through pkg-config; a missing one stops the build here.
PKGS = libcjson libsodium libcrypto icu-uc libgit2 libssh libcurl
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS))
ifeq ($(PKG_LIBS),)
$(error pkg-config cannot find $(PKGS): run scripts/install-deps.sh)
endif

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat-security
OPT ?= -O2 -g
BASE_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-DLC_VERSION='"$(VERSION)"' -Icommon -Icli $(WARN) $(OPT) -MMD -MP
ifneq ($(SANITIZE),)
BASE_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
SAN_LDFLAGS = -fsanitize=$(SANITIZE)
endif
ALL_CFLAGS = $(BASE_CFLAGS) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_LDFLAGS) $(LDFLAGS)

COMMON_SRCS := $(sort $(wildcard common/*.c))
CLI_SRCS := $(sort $(filter-out cli/main.c,$(wildcard cli/*.c)))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))

COMMON_OBJS := $(COMMON_SRCS:%.c=$(O)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(O)/%.o)
UNIT_BINS := $(UNIT_SRCS:%.c=$(O)/%)
TOOL_BINS := $(TOOL_SRCS:%.c=$(O)/%)

LIBCOMMON = $(O)/libcommon.a
LIBCLI = $(O)/libcli.a
LATTICECTL = $(O)/latticectl

# The agent: its own sources plus only the common/ objects it uses (not
# libcommon.a); libsodium and libcrypto's SHA-256 linked in statically,
# cJSON beside it in the bundle, found through $$ORIGIN.  See agent/PROTOCOL.md, "Bundle".
AGENT_SRCS := $(sort $(wildcard agent/*.c))
AGENT_COMMON := common/err.c common/buf.c common/hex.c common/fileio.c common/clock.c \
	common/blake3.c common/vss.c common/dkgwire.c common/dkgmember.c common/sha256.c
AGENT_OBJS := $(AGENT_SRCS:%.c=$(O)/%.o) $(AGENT_COMMON:%.c=$(O)/%.o)
AGENT = $(O)/agent/lattice-agent
AGENT_LIBS = -Wl,--as-needed -lcjson -Wl,-Bstatic -lsodium -lcrypto -Wl,-Bdynamic
BUNDLE = $(O)/agent-bundle
CJSON_SO := $(shell $(PKG_CONFIG) --variable=libdir libcjson)/libcjson.so.1
STRIP ?= strip

# The simulated organism the end-to-end tests run as every role; libc only.
SIM = $(O)/sim-organism
# Test-only builds (below): the cheating agent bundle.
CHEAT_O = $(O)/tests/cheat
CHEAT_BUNDLE = $(O)/tests/agent-cheat-bundle
# ... and the test build of latticectl, with its test hooks (below).
HOOKS_O = $(O)/tests/hooks
HOOK_SRCS = cli/journal.c cli/ceremony.c cli/ceremony_run.c
HOOK_OBJS = $(HOOK_SRCS:%.c=$(HOOKS_O)/%.o)
LATTICECTL_HOOKS = $(O)/latticectl-hooks
COMPLETIONS = $(O)/completion/latticectl.bash $(O)/completion/_latticectl

all: $(LATTICECTL) $(COMPLETIONS) $(UNIT_BINS) $(TOOL_BINS) $(AGENT) $(O)/agent-bundle.sha256 $(SIM) \
	$(CHEAT_BUNDLE)/lattice-agent $(CHEAT_BUNDLE)/libcjson.so.1 $(LATTICECTL_HOOKS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBCOMMON): $(COMMON_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIBCLI): $(CLI_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(LATTICECTL): $(O)/cli/main.o $(LIBCLI) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Shell completion, generated from the command table (latticectl --json help).
$(O)/completion/latticectl.bash: $(LATTICECTL) scripts/gen-completion.sh
	@mkdir -p $(dir $@)
	sh scripts/gen-completion.sh bash $(LATTICECTL) >$@.tmp && mv $@.tmp $@

$(O)/completion/_latticectl: $(LATTICECTL) scripts/gen-completion.sh
	@mkdir -p $(dir $@)
	sh scripts/gen-completion.sh zsh $(LATTICECTL) >$@.tmp && mv $@.tmp $@

$(O)/agent/%.o: ALL_CFLAGS += -Iagent

$(AGENT): $(AGENT_OBJS)
	$(CC) $(ALL_LDFLAGS) -Wl,-rpath,'$$ORIGIN' -o $@ $^ $(AGENT_LIBS)

# The bundle: the agent without its debug sections and the real file behind
# the system's libcjson.so.1; its hash is that of `sha256sum` over both.
$(BUNDLE)/lattice-agent: $(AGENT)
	@mkdir -p $(dir $@)
	$(STRIP) --strip-debug -o $@ $<
	chmod 0755 $@

$(BUNDLE)/libcjson.so.1: $(CJSON_SO)
	@mkdir -p $(dir $@)
	cp "$$(readlink -f $<)" $@
	chmod 0644 $@

$(O)/agent-bundle.sha256: $(BUNDLE)/lattice-agent $(BUNDLE)/libcjson.so.1
	(cd $(BUNDLE) && sha256sum lattice-agent libcjson.so.1) | sha256sum | \
		cut -d' ' -f1 >$@.tmp && mv $@.tmp $@

agent-bundle: $(O)/agent-bundle.sha256

# A test fixture, never sanitized (in the sanitizer build too): it stands
# in for a role, and a sanitizer's own work at exit would change how it
# stops under systemd.
SIM_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Icommon $(WARN) -O2 -g

$(SIM): tests/sim-organism.c
	@mkdir -p $(dir $@)
	$(CC) $(SIM_CFLAGS) $(CFLAGS) -o $@ $<

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(O)/tests/unit/unit.o $(LIBCLI) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# Tests of common/ alone link only libcommon, so they build while cli/ is in flux.
$(O)/tests/unit/test_toml: $(O)/tests/unit/test_toml.o $(O)/tests/unit/unit.o $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(O)/tests/tools/%: $(O)/tests/tools/%.o $(LIBCLI) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# Test builds with -DLC_TEST_CHEAT, never installed: an agent bundle whose
# members misbehave on purpose (tests/t2300-dkg.sh selects it with
# LATTICECTL_AGENT_BUNDLE), and the in-process ceremony of the unit test
# and tools.  The shipped agent has no such code.
CHEAT_AGENT_OBJS := $(AGENT_SRCS:%.c=$(CHEAT_O)/%.o) $(AGENT_COMMON:%.c=$(CHEAT_O)/%.o)
CER_SIM = $(O)/tests/unit/ceremony_sim.o $(CHEAT_O)/common/dkgmember.o

$(CHEAT_O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLC_TEST_CHEAT -Iagent -c -o $@ $<

$(CHEAT_O)/lattice-agent: $(CHEAT_AGENT_OBJS)
	$(CC) $(ALL_LDFLAGS) -Wl,-rpath,'$$ORIGIN' -o $@ $^ $(AGENT_LIBS)

$(CHEAT_BUNDLE)/lattice-agent: $(CHEAT_O)/lattice-agent
	@mkdir -p $(dir $@)
	$(STRIP) --strip-debug -o $@ $<
	chmod 0755 $@

$(CHEAT_BUNDLE)/libcjson.so.1: $(BUNDLE)/libcjson.so.1
	@mkdir -p $(dir $@)
	cp $< $@

$(O)/tests/unit/ceremony_sim.o $(O)/tests/unit/test_ceremony.o $(O)/tests/tools/dkg_local.o: \
	ALL_CFLAGS += -DLC_TEST_CHEAT

# The test build of latticectl, with -DLC_TEST_HOOKS, never installed:
# the hooks the end-to-end tests drive (LATTICECTL_TEST_KILL_AT_COMMIT,
# _RELAY_LOG, _TAMPER, _REPLAY; latticectl(1), ENVIRONMENT) compile only
# into its copies of the files that hold them, linked ahead of libcli.a.

$(HOOKS_O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLC_TEST_HOOKS -c -o $@ $<

$(LATTICECTL_HOOKS): $(O)/cli/main.o $(HOOK_OBJS) $(LIBCLI) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/tests/unit/test_journal: $(O)/tests/unit/test_journal.o $(O)/tests/unit/unit.o \
	$(HOOKS_O)/cli/journal.o $(LIBCLI) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(O)/tests/unit/test_ceremony: $(O)/tests/unit/test_ceremony.o $(O)/tests/unit/unit.o $(CER_SIM) $(LIBCLI) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(O)/tests/tools/dkg_local: $(O)/tests/tools/dkg_local.o $(CER_SIM) $(LIBCLI) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# The libFuzzer target: clang only, its own directory.
FUZZ_O = $(O)/fuzz
FUZZ_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Icommon \
	-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz: $(FUZZ_O)/fuzz_toml
TOML_SRCS = common/toml.c common/toml_tab.c common/toml_scan.c common/hex.c common/err.c
$(FUZZ_O)/fuzz_toml: tests/fuzz/fuzz_toml.c $(TOML_SRCS) common/toml.h common/toml_priv.h common/hex.h common/err.h
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_toml.c $(TOML_SRCS)

check: all
	tests/run.sh

bench: all
	bench/run.sh

install: $(LATTICECTL) $(O)/agent-bundle.sha256 $(COMPLETIONS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(LIBEXECDIR)/agent $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 $(LATTICECTL) $(DESTDIR)$(BINDIR)/latticectl
	install -m 0755 $(BUNDLE)/lattice-agent $(DESTDIR)$(LIBEXECDIR)/agent/lattice-agent
	install -m 0644 $(BUNDLE)/libcjson.so.1 $(DESTDIR)$(LIBEXECDIR)/agent/libcjson.so.1
	install -m 0644 $(O)/agent-bundle.sha256 $(DESTDIR)$(LIBEXECDIR)/agent.sha256
	install -m 0644 man/latticectl.1 $(DESTDIR)$(MANDIR)/man1/latticectl.1
	install -m 0644 man/lattice.toml.5 $(DESTDIR)$(MANDIR)/man5/lattice.toml.5
	install -m 0644 man/lattice-config.5 $(DESTDIR)$(MANDIR)/man5/lattice-config.5
	install -m 0644 $(O)/completion/latticectl.bash $(DESTDIR)$(BASHCOMPDIR)/latticectl
	install -m 0644 $(O)/completion/_latticectl $(DESTDIR)$(ZSHCOMPDIR)/_latticectl

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/latticectl $(DESTDIR)$(MANDIR)/man1/latticectl.1 \
		$(DESTDIR)$(MANDIR)/man5/lattice.toml.5 \
		$(DESTDIR)$(MANDIR)/man5/lattice-config.5 \
		$(DESTDIR)$(LIBEXECDIR)/agent/lattice-agent \
		$(DESTDIR)$(LIBEXECDIR)/agent/libcjson.so.1 $(DESTDIR)$(LIBEXECDIR)/agent.sha256 \
		$(DESTDIR)$(BASHCOMPDIR)/latticectl $(DESTDIR)$(ZSHCOMPDIR)/_latticectl
	-rmdir $(DESTDIR)$(LIBEXECDIR)/agent $(DESTDIR)$(LIBEXECDIR)

clean:
	rm -rf build

.PHONY: all agent-bundle check bench fuzz install uninstall clean
.SECONDARY:

# The compiler's dependency files, named where objects are built: never a
# search of $(O), which also holds the test hosts' root file system (whose
# /etc/init.d and invoke-rc.d are no makefiles) while it is being made.
-include $(wildcard $(O)/*.d $(O)/common/*.d $(O)/cli/*.d $(O)/agent/*.d \
	$(O)/tests/*/*.d $(O)/tests/*/*/*.d $(O)/fuzz/*.d)
