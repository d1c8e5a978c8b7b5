# gpuforge - one non-recursive Makefile.
#   make                 build ./gpuforge
#   make test            unit tests, then end-to-end tests on the testbed (root)
#   make unit | e2e      one half of it
#   make demo            boot 3 local nodes, ping them, tear down
#   make demo-vm         the same on 2 real VMs made by `gpuforge cloud up` (minutes)
#   make e2e-vm          the VM tier: the local-vm plugin and the kernel-level roles
#   make docs            regenerate docs/compatibility.md from the engine's tables
#   make fuzz            each libFuzzer harness for FUZZ_SECONDS (default 60)
#   make lint            shellcheck and dash -n over the node-side scripts;
#                        ansible-playbook --syntax-check and ansible-lint over
#                        the shipped playbooks and roles (when installed)
#   make deps            install the Debian/Ubuntu build and test packages
#   make man             build/gpuforge.1, from the binary's own --help
#   make install         PREFIX=/usr/local DESTDIR=: binary, man page, completion,
#                        the shipped roles, playbooks and cloud plugins
#   make SANITIZE=address,undefined   build with sanitizers; with B=DIR, `make
#                        B=DIR SANITIZE=... test` runs both halves on DIR/gpuforge
#   make WERROR=1        warnings are errors (CI)

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS := libssh yaml-0.1 libarchive libcrypto libssl libpcre2-8
OPT ?= -O2 -g
WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wwrite-strings -Wvla
ifeq ($(WERROR),1)
WARN += -Werror
endif
ifneq ($(SANITIZE),)
# clang unless CC is given: with GCC's two runtimes an UndefinedBehaviorSanitizer
# report ignores UBSAN_OPTIONS=log_path and reaches only stderr, where the
# end-to-end suite cannot see it (tests/e2e/run-all)
ifeq ($(origin CC),default)
CC := clang
endif
OPT += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
export GF_TEST_TIMEOUT ?= 300
LDSAN := -fsanitize=$(SANITIZE)
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(PKG_CFLAGS) -pthread -MMD -MP $(CFLAGS)
ALL_LDFLAGS := $(LDSAN) -pthread $(LDFLAGS)
LIBS := $(PKG_LIBS) -lm

B ?= build
ENGINE_SRC := $(sort $(wildcard engine/*/*.c))
MAIN_SRC := engine/cli/main.c
LIB_SRC := $(filter-out $(MAIN_SRC),$(ENGINE_SRC))
# node-side scripts, embedded into the binary (engine/modules/nodesh.h)
NODESH_SRC := $(sort $(wildcard engine/modules/sh/*.sh))
NODESH_OBJ := $(B)/gen/nodesh-data.o
# the execution layer's own node-side scripts (engine/exec/exec.h)
EXECSH_SRC := $(sort $(wildcard engine/exec/sh/*.sh))
EXECSH_OBJ := $(B)/gen/execsh-data.o
# the bundle push's node-side scripts (engine/bundle/bundle-private.h)
BUNDLESH_SRC := $(sort $(wildcard engine/bundle/sh/*.sh))
BUNDLESH_OBJ := $(B)/gen/bundlesh-data.o
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o) $(NODESH_OBJ) $(EXECSH_OBJ) $(BUNDLESH_OBJ)
MAIN_OBJ := $(MAIN_SRC:%.c=$(B)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJ := $(UNIT_SRC:%.c=$(B)/%.o)

.PHONY: all clean test unit e2e e2e-vm demo demo-vm deps check bench lint fuzz docs man install
all: gpuforge

gpuforge: $(MAIN_OBJ) $(B)/libgpuforge.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# the same binary inside the build directory, for side-by-side builds (B=...),
# with the shipped roles and playbooks beside it as ./gpuforge has them
$(B)/gpuforge: $(MAIN_OBJ) $(B)/libgpuforge.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
	ln -sfn $(CURDIR)/roles $(B)/roles
	ln -sfn $(CURDIR)/playbooks $(B)/playbooks

$(B)/libgpuforge.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/gen/nodesh-data.c: $(NODESH_SRC) engine/modules/sh/embed
	@mkdir -p $(dir $@)
	engine/modules/sh/embed $(NODESH_SRC) > $@.tmp && mv $@.tmp $@

$(NODESH_OBJ): $(B)/gen/nodesh-data.c
	$(CC) $(ALL_CFLAGS) -Iengine -c -o $@ $<

$(B)/gen/execsh-data.c: $(EXECSH_SRC) engine/modules/sh/embed
	@mkdir -p $(dir $@)
	engine/modules/sh/embed -p execsh -i exec/exec.h $(EXECSH_SRC) > $@.tmp && mv $@.tmp $@

$(EXECSH_OBJ): $(B)/gen/execsh-data.c
	$(CC) $(ALL_CFLAGS) -Iengine -c -o $@ $<

$(B)/gen/bundlesh-data.c: $(BUNDLESH_SRC) engine/modules/sh/embed
	@mkdir -p $(dir $@)
	engine/modules/sh/embed -p bundlesh -i bundle/bundle-private.h $(BUNDLESH_SRC) > $@.tmp && \
	    mv $@.tmp $@

$(BUNDLESH_OBJ): $(B)/gen/bundlesh-data.c
	$(CC) $(ALL_CFLAGS) -Iengine -c -o $@ $<

$(B)/unit-tests: $(UNIT_OBJ) $(B)/libgpuforge.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# the libFuzzer harnesses (tests/fuzz), linked with a replay driver instead
# of libFuzzer: `make unit` runs the saved cases and the seeds through them
FUZZ_NAMES := inventory-ini inventory-yaml playbook template manifest kv
FUZZ_REPLAY := $(FUZZ_NAMES:%=$(B)/fuzz-replay-%)
.SECONDARY: $(patsubst %.c,$(B)/%.o,$(wildcard tests/fuzz/*.c))
$(B)/fuzz-replay-%: $(B)/tests/fuzz/fuzz-%.o $(B)/tests/fuzz/fuzz-lib.o $(B)/tests/fuzz/replay.o \
                    $(B)/libgpuforge.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

unit: $(B)/unit-tests $(B)/gpuforge $(FUZZ_REPLAY)
	GF_GPUFORGE=$(B)/gpuforge ./$(B)/unit-tests
	tests/layers.sh --self-test
	tests/layers.sh
	tests/layers.sh --objects $(B)
	tests/docs.sh --check $(B)/gpuforge
	tests/ansible-check.sh --stubs $(B)/gpuforge
	tests/completion.sh $(B)/gpuforge
	tests/install.sh $(B)/gpuforge
	@for n in $(FUZZ_NAMES); do \
	    printf 'fuzz cases %-15s ' $$n; \
	    ./$(B)/fuzz-replay-$$n tests/fuzz/cases/$$n || exit 1; \
	done

# docs/compatibility.md's tables, from the engine's own (gpuforge doc --compat)
docs: gpuforge
	tests/docs.sh ./gpuforge

# each harness under libFuzzer for FUZZ_SECONDS (clang, ASan, UBSan)
FUZZ_SECONDS ?= 60
fuzz:
	tests/fuzz/run $(FUZZ_SECONDS)

ifeq ($(SANITIZE),)
e2e: gpuforge
	tests/e2e/run-all
else
# the sanitizer build of B runs the suite; a report fails it (tests/e2e/run-all)
e2e: $(B)/gpuforge
	GF_BIN=$(CURDIR)/$(B)/gpuforge GF_SAN_LOGS=$(CURDIR)/$(B)/san-logs tests/e2e/run-all
endif

# the cloud plugin local-vm with a real VM, then the kernel-level roles on
# three (qemu, software emulation: about half an hour on 2 cores)
e2e-vm: gpuforge
	GF_E2E_VM=1 tests/e2e/run-all t0800 t0801

test: unit e2e
check: test

demo: gpuforge
	tests/e2e/demo

demo-vm: gpuforge
	tests/e2e/demo-vm

deps:
	tests/deps.sh

# the manual page, from the binary's own help (engine/cli/mkman)
man: $(B)/gpuforge.1
$(B)/gpuforge.1: $(B)/gpuforge engine/cli/mkman
	engine/cli/mkman $(B)/gpuforge > $@.tmp && mv $@.tmp $@

# gpuforge finds the roles and playbooks in PREFIX/share/gpuforge and the
# cloud plugins in PREFIX/lib/gpuforge/cloud, beside PREFIX/bin
PREFIX ?= /usr/local
DESTDIR ?=
SHARE_DIRS := roles playbooks inventory-examples artifacts
install: $(B)/gpuforge $(B)/gpuforge.1
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	    $(DESTDIR)$(PREFIX)/share/gpuforge $(DESTDIR)$(PREFIX)/lib/gpuforge/cloud
	install -m 755 $(B)/gpuforge $(DESTDIR)$(PREFIX)/bin/gpuforge
	install -m 644 $(B)/gpuforge.1 $(DESTDIR)$(PREFIX)/share/man/man1/gpuforge.1
	install -m 644 engine/cli/gpuforge.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/gpuforge
	install -m 755 engine/cloud/plugins/gpuforge-cloud-* $(DESTDIR)$(PREFIX)/lib/gpuforge/cloud/
	for d in $(SHARE_DIRS); do \
	    rm -rf $(DESTDIR)$(PREFIX)/share/gpuforge/$$d && \
	    cp -R $$d $(DESTDIR)$(PREFIX)/share/gpuforge/$$d || exit 1; \
	done
	rm -rf $(DESTDIR)$(PREFIX)/share/gpuforge/artifacts/out

# shellcheck and dash -n over the node-side scripts; the shipped playbooks and
# roles through Ansible's own tools (tests/ansible-check.sh)
# node-side scripts of the side-by-side harness (tests/compat)
COMPAT_SH := tests/compat/state.sh $(sort $(wildcard tests/compat/seed/*.sh))
# scripts the shipped roles and playbooks send with script: (sh on the node)
ROLE_SH := $(wildcard roles/*/files/*.sh playbooks/files/*.sh)
LINT_SH := $(NODESH_SRC) $(EXECSH_SRC) $(BUNDLESH_SRC) engine/modules/sh/embed tests/docs.sh \
           tests/fuzz/run $(COMPAT_SH) \
           $(wildcard engine/cloud/plugins/gpuforge-cloud-*) tests/cloud/gpuforge-cloud-fake \
           tests/cloud/argv-az/az \
           engine/cli/mkman tests/install.sh tests/layers.sh tests/ansible-check.sh \
           tests/gpu/acceptance.sh \
           $(ROLE_SH)
lint:
	shellcheck -s sh $(LINT_SH)
	for f in $(NODESH_SRC) $(EXECSH_SRC) $(BUNDLESH_SRC) $(COMPAT_SH) $(ROLE_SH); do \
	    dash -n "$$f" || exit 1; \
	done
	shellcheck tests/compat/compat
	shellcheck -x tests/completion.sh engine/cli/gpuforge.bash
	tests/ansible-check.sh

bench: gpuforge
	QUICK=$(QUICK) tests/bench/bench.sh

clean:
	rm -rf $(B) build-fuzz gpuforge

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(wildcard $(B)/tests/fuzz/*.d)
