# test/harness/lib.sh — shell functions shared by test/run-tests, test/run-demo and test suites.
#
# Responsible for: installing the Debian packages the build and the tests need, building and
# installing the extension with PostgreSQL 15's PGXS, and running private PostgreSQL clusters
# under <repo>/.run/<name>/ as the `postgres` OS user (PostgreSQL refuses to run as root).
#
# Source it from bash; it defines functions and a few variables and does nothing else:
#
#   source test/harness/lib.sh
#   lake_setup_packages                      # apt-get install what is missing (root only)
#   lake_build                               # make -j2 && make install, against PG 15
#   lake_cluster_start NAME PORT [DB] [--fresh]
#                                            # (re)start .run/NAME on PORT, export PG* + LAKE_ROOT
#   lake_cluster_stop NAME                   # stop .run/NAME if it runs
#
# The functions return non-zero on failure and never exit, so callers can carry on past a failure.
# Knobs (environment):
#   LAKE_PG_BIN          PostgreSQL binaries             (default /usr/lib/postgresql/15/bin)
#   LAKE_PRELOAD         1: shared_preload_libraries = 'lake_fdw'; 0: don't preload  (default 1)
#   LAKE_SHARED_BUFFERS  shared_buffers of the clusters  (default 1GB)
#   LAKE_SKIP_PACKAGES   1: don't look at / install Debian packages
#   LAKE_SKIP_BUILD      1: don't run make / make install

LAKE_REPO=${LAKE_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
LAKE_PG_BIN=${LAKE_PG_BIN:-/usr/lib/postgresql/15/bin}
LAKE_PG_CONFIG=$LAKE_PG_BIN/pg_config
LAKE_PRELOAD=${LAKE_PRELOAD:-1}
LAKE_SHARED_BUFFERS=${LAKE_SHARED_BUFFERS:-1GB}
LAKE_RUN=$LAKE_REPO/.run
LAKE_APT_UPDATED=${LAKE_APT_UPDATED:-0}

# Debian 12 packages: server, PGXS headers, compilers, the codec libraries the extension links,
# and clang's libFuzzer runtime for test/fuzz.
LAKE_APT_PACKAGES=(
	postgresql-15 postgresql-server-dev-15 build-essential
	libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev
	clang libclang-rt-14-dev
)

lake_say()  { printf '%s\n' "setup: $*"; }
lake_warn() { printf '%s\n' "setup: WARNING: $*" >&2; }
lake_err()  { printf '%s\n' "setup: ERROR: $*" >&2; }

lake_is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the OS user owning the clusters, from a directory that user can enter.
lake_as_pg() {
	if lake_is_root; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

lake_pkg_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# apt-get update once per run, then install the named packages; output goes to .run/apt.log.
lake_apt_install() {
	local log=$LAKE_RUN/apt.log
	mkdir -p "$LAKE_RUN" || return 1
	if [ "$LAKE_APT_UPDATED" != 1 ]; then
		lake_say "apt-get update"
		if ! DEBIAN_FRONTEND=noninteractive apt-get update -q >"$log" 2>&1; then
			tail -n 30 "$log" >&2
			lake_err "apt-get update failed (full log: $log)"
			return 1
		fi
		LAKE_APT_UPDATED=1
	fi
	lake_say "apt-get install $*"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >>"$log" 2>&1; then
		tail -n 40 "$log" >&2
		lake_err "apt-get install failed (full log: $log)"
		return 1
	fi
}

lake_setup_packages() {
	if [ "${LAKE_SKIP_PACKAGES:-0}" = 1 ]; then
		lake_say "LAKE_SKIP_PACKAGES=1: not checking Debian packages"
		return 0
	fi
	if ! command -v dpkg-query >/dev/null 2>&1; then
		lake_warn "dpkg-query not found (not Debian?): install the packages by hand: ${LAKE_APT_PACKAGES[*]}"
		return 0
	fi
	local missing=() p
	for p in "${LAKE_APT_PACKAGES[@]}"; do
		lake_pkg_installed "$p" || missing+=("$p")
	done
	# node + npm for the interop suite (DuckDB from npm); only when node is absent, so a node
	# installed some other way (nodesource, nvm) is left alone.
	if ! command -v node >/dev/null 2>&1; then
		missing+=(nodejs npm)
	elif ! command -v npm >/dev/null 2>&1; then
		lake_warn "node is installed but npm is not: the interop suite will fail"
	fi
	# npm talks to its registry over TLS.
	lake_pkg_installed ca-certificates || missing+=(ca-certificates)
	if [ ${#missing[@]} -eq 0 ]; then
		lake_say "Debian packages: all present"
		return 0
	fi
	if ! lake_is_root; then
		lake_err "missing Debian packages (run as root to install them): ${missing[*]}"
		return 1
	fi
	lake_apt_install "${missing[@]}"
}

# Build and install the extension against PostgreSQL 15. Output goes to .run/build.log;
# compiler warnings are summarised, errors shown.
lake_build() {
	if [ "${LAKE_SKIP_BUILD:-0}" = 1 ]; then
		lake_say "LAKE_SKIP_BUILD=1: not building"
		return 0
	fi
	if [ ! -x "$LAKE_PG_CONFIG" ]; then
		lake_err "$LAKE_PG_CONFIG not found (is postgresql-server-dev-15 installed?)"
		return 1
	fi
	local log=$LAKE_RUN/build.log
	mkdir -p "$LAKE_RUN" || return 1
	lake_say "make -j2 && make install   (PG_CONFIG=$LAKE_PG_CONFIG, log: .run/build.log)"
	if ! make -C "$LAKE_REPO" -j2 PG_CONFIG="$LAKE_PG_CONFIG" >"$log" 2>&1; then
		grep -E ': (fatal )?error:' "$log" | head -n 40 >&2
		echo "---- last lines of .run/build.log (compiler command lines left out) ----" >&2
		grep -v -E '^(gcc|cc|clang|/usr/bin/clang[-0-9]*|/usr/lib/llvm-[0-9]+/bin/clang) ' "$log" | tail -n 40 >&2
		lake_err "build failed"
		return 1
	fi
	if ! make -C "$LAKE_REPO" install PG_CONFIG="$LAKE_PG_CONFIG" >>"$log" 2>&1; then
		tail -n 40 "$log" >&2
		lake_err "make install failed"
		return 1
	fi
	local nwarn
	nwarn=$(grep -c ': warning:' "$log")
	if [ "$nwarn" -gt 0 ]; then
		lake_warn "$nwarn compiler warning(s); the first ones:"
		grep ': warning:' "$log" | head -n 15 >&2
	fi
	lake_say "build: ok"
}

# Grant o+x on every ancestor of $1 that the postgres user cannot traverse (e.g. /root, mode 700).
lake_ensure_traversable() {
	lake_is_root || return 0
	local d=$1 chain=()
	while [ "$d" != / ] && [ -n "$d" ]; do
		chain=("$d" "${chain[@]}")
		d=$(dirname "$d")
	done
	for d in "${chain[@]}"; do
		[ -d "$d" ] || break
		if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
			chmod o+x "$d" || return 1
			lake_say "granted o+x on $d so the postgres user can reach $1"
		fi
	done
}

lake_ensure_pg_user() {
	lake_is_root || return 0
	id postgres >/dev/null 2>&1 && return 0
	lake_say "creating the postgres OS user"
	useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
}

# Is something listening on 127.0.0.1:$1?
lake_port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

lake_cluster_dir() { printf '%s\n' "$LAKE_RUN/$1"; }

# Socket directory: inside .run/NAME unless the path would exceed the 107-byte socket path limit.
lake_socket_dir() {
	local name=$1 port=$2 sock
	sock=$(lake_cluster_dir "$name")/sock
	if [ $((${#sock} + 20)) -gt 100 ]; then
		sock=/tmp/lake_fdw-$name-$port
	fi
	printf '%s\n' "$sock"
}

lake_cluster_stop() {
	local name=$1 data pid
	data=$(lake_cluster_dir "$name")/data
	[ -f "$data/postmaster.pid" ] || return 0
	pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		if ! lake_as_pg "$LAKE_PG_BIN/pg_ctl" -D "$data" stop -m fast -w -t 30 >/dev/null 2>&1; then
			lake_warn "fast shutdown of .run/$name failed; trying immediate"
			lake_as_pg "$LAKE_PG_BIN/pg_ctl" -D "$data" stop -m immediate -w -t 30 >/dev/null 2>&1
		fi
		# pg_ctl returns once postmaster.pid is gone, a moment before the process exits.
		local _
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$pid" 2>/dev/null; then
			lake_err "could not stop the postmaster of .run/$name (pid $pid)"
			return 1
		fi
		lake_say "stopped the running cluster .run/$name"
	fi
	return 0
}

lake_sql_quote() { printf "'%s'" "${1//\'/\'\'}"; }

# Settings for the private clusters: fsync stays on; one fixed port; sockets inside .run;
# 127.0.0.1 only; server log to .run/NAME/server.log. Rewritten on every start.
lake_write_conf() {
	local data=$1 port=$2 sock=$3
	{
		echo "# written by test/harness/lib.sh on every start; edit there"
		echo "port = $port"
		echo "listen_addresses = '127.0.0.1'"
		echo "unix_socket_directories = $(lake_sql_quote "$sock")"
		echo "shared_buffers = $LAKE_SHARED_BUFFERS"
		echo "max_connections = 100"
		echo "fsync = on"
		echo "max_wal_size = 4GB"
		echo "logging_collector = off"
		echo "log_min_messages = warning"
		echo "log_line_prefix = '%m [%p] %q%u@%d '"
		echo "lc_messages = 'C'"
		echo "timezone = 'UTC'"
		echo "log_timezone = 'UTC'"
		echo "jit = off"
		if [ "$LAKE_PRELOAD" = 1 ]; then
			echo "shared_preload_libraries = 'lake_fdw'"
		fi
	} >"$data/lake_harness.conf" || return 1
	chown --reference="$data" "$data/lake_harness.conf" 2>/dev/null
	if ! grep -q "^include = 'lake_harness.conf'" "$data/postgresql.conf"; then
		echo "include = 'lake_harness.conf'" >>"$data/postgresql.conf" || return 1
	fi
}

# lake_cluster_start NAME PORT [DB] [--fresh]
# Stops whatever runs in .run/NAME, (re)creates it if --fresh or absent, starts it, creates DB,
# makes .run/NAME/lake, exports PGHOST PGPORT PGUSER PGDATABASE LAKE_ROOT LAKE_RUN_DIR and writes
# them to .run/NAME/env (so `source .run/NAME/env` gives a shell the same connection).
lake_cluster_start() {
	local name=$1 port=$2 db=${3:-postgres} fresh=0
	[ "${4:-}" = --fresh ] && fresh=1
	[ "${3:-}" = --fresh ] && { fresh=1; db=postgres; }
	local dir data sock loc owner
	dir=$(lake_cluster_dir "$name")
	data=$dir/data
	sock=$(lake_socket_dir "$name" "$port")

	if [ ! -x "$LAKE_PG_BIN/initdb" ]; then
		lake_err "$LAKE_PG_BIN/initdb not found (is postgresql-15 installed?)"
		return 1
	fi
	lake_ensure_pg_user || return 1
	mkdir -p "$LAKE_RUN" || return 1
	lake_ensure_traversable "$LAKE_RUN" || return 1
	lake_cluster_stop "$name" || return 1

	if lake_port_busy "$port"; then
		lake_err "port $port on 127.0.0.1 is in use by another process (another checkout's cluster?)." \
			"Stop it, or pick another port (LAKE_TEST_PORT / LAKE_DEMO_PORT)."
		return 1
	fi

	if [ $fresh = 1 ]; then
		rm -rf "$data" "$dir/lake" "$dir/server.log" "$dir/suites" "$sock"
	fi
	mkdir -p "$dir" "$sock" || return 1
	if lake_is_root; then
		owner=postgres
		chown postgres: "$dir" "$sock" || return 1
	else
		owner=$(id -un)
	fi
	chmod 755 "$dir" "$sock"

	if [ ! -f "$data/PG_VERSION" ]; then
		rm -rf "$data"
		mkdir -p "$data" && chown "$owner": "$data" && chmod 700 "$data" || return 1
		loc=C
		locale -a 2>/dev/null | grep -qix 'c\.utf-\?8' && loc=C.UTF-8
		if ! lake_as_pg "$LAKE_PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
				--locale="$loc" --no-sync >"$dir/initdb.log" 2>&1; then
			cat "$dir/initdb.log" >&2
			lake_err "initdb failed for .run/$name"
			return 1
		fi
	fi
	lake_write_conf "$data" "$port" "$sock" || return 1

	if ! lake_as_pg "$LAKE_PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 -s start >/dev/null 2>&1; then
		echo "---- last lines of .run/$name/server.log ----" >&2
		tail -n 25 "$dir/server.log" >&2
		lake_err "the PostgreSQL server of .run/$name did not start"
		if grep -q 'Address already in use' "$dir/server.log"; then
			lake_err "port $port was taken meanwhile; pick another (LAKE_TEST_PORT / LAKE_DEMO_PORT)"
		elif [ "$LAKE_PRELOAD" = 1 ]; then
			lake_err "if loading lake_fdw at startup is the problem, retry with LAKE_PRELOAD=0"
		fi
		return 1
	fi

	mkdir -p "$dir/lake" && chown "$owner": "$dir/lake" && chmod 755 "$dir/lake" || return 1

	export PGHOST=$sock PGPORT=$port PGUSER=postgres PGDATABASE=$db
	export LAKE_ROOT=$dir/lake LAKE_RUN_DIR=$dir LAKE_PG_BIN
	export PG_CONFIG=$LAKE_PG_CONFIG
	case ":$PATH:" in *":$LAKE_PG_BIN:"*) ;; *) export PATH=$LAKE_PG_BIN:$PATH ;; esac

	if [ "$db" != postgres ]; then
		if ! "$LAKE_PG_BIN/psql" -X -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = $(lake_sql_quote "$db")" | grep -q 1; then
			"$LAKE_PG_BIN/createdb" "$db" || { lake_err "createdb $db failed"; return 1; }
		fi
	fi

	{
		echo "# connection to the lake_fdw cluster .run/$name: source this file"
		local v
		for v in PGHOST PGPORT PGUSER PGDATABASE LAKE_ROOT LAKE_RUN_DIR LAKE_PG_BIN PG_CONFIG; do
			printf 'export %s=%q\n' "$v" "${!v}"
		done
		printf 'export PATH=%q:"$PATH"\n' "$LAKE_PG_BIN"
	} >"$dir/env"

	lake_say "cluster .run/$name up: port $port, socket $sock, database $db, lake root .run/$name/lake" \
		"$([ "$LAKE_PRELOAD" = 1 ] && echo '(lake_fdw preloaded)' || echo '(lake_fdw not preloaded)')"
}
