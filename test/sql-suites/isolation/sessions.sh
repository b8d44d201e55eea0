# test/sql-suites/isolation/sessions.sh — several live psql sessions driven from one bash script.
#
# Sourced by ./run. Each session is a psql process reading commands from a named pipe and writing
# its output (stdout and stderr, line buffered) to another; after each batch of commands we send
# `\echo <marker>` and read lines until the marker comes back, so the caller knows the batch is
# done and gets exactly its output. Sending and collecting are separate (sess_send/sess_wait), so a
# session can be left running while others act.
#
#   sess_open NAME            start a session on $DB (needs $SESS_DIR, $DB)
#   sess_run NAME SQL...      send SQL, wait, put its output in $REPLY_OUT; non-zero on timeout
#   sess_send NAME SQL...     send SQL without waiting
#   sess_wait NAME [SECS]     wait for the last sent batch; output in $REPLY_OUT
#   sess_close NAME           \q and reap the psql process
#   sess_close_all

declare -A SESS_IN SESS_OUT SESS_PID SESS_SEQ
SESS_TIMEOUT=${SESS_TIMEOUT:-20}

sess_open() {
	local name=$1 fd
	rm -f "$SESS_DIR/$name.in" "$SESS_DIR/$name.out"
	mkfifo "$SESS_DIR/$name.in" "$SESS_DIR/$name.out" || return 1
	# psql flushes at its own pace when writing to a pipe; stdbuf makes stdout line buffered so a
	# marker is never stuck in a buffer.
	stdbuf -oL -eL psql -X -q -At -v ON_ERROR_STOP=0 -d "$DB" \
		<"$SESS_DIR/$name.in" >"$SESS_DIR/$name.out" 2>&1 &
	SESS_PID[$name]=$!
	exec {fd}>"$SESS_DIR/$name.in"
	SESS_IN[$name]=$fd
	exec {fd}<"$SESS_DIR/$name.out"
	SESS_OUT[$name]=$fd
	SESS_SEQ[$name]=0
}

sess_send() {
	local name=$1; shift
	local n=$((SESS_SEQ[$name] + 1))
	SESS_SEQ[$name]=$n
	printf '%s;\n\\echo __sess_%s_%d__\n' "$*" "$name" "$n" >&"${SESS_IN[$name]}"
}

sess_wait() {
	local name=$1 secs=${2:-$SESS_TIMEOUT} line marker
	marker="__sess_${name}_${SESS_SEQ[$name]}__"
	REPLY_OUT=
	while IFS= read -r -t "$secs" -u "${SESS_OUT[$name]}" line; do
		if [ "$line" = "$marker" ]; then
			REPLY_OUT=${REPLY_OUT%$'\n'}
			return 0
		fi
		REPLY_OUT+=$line$'\n'
	done
	REPLY_OUT+="(session $name: no reply within $secs s)"
	return 1
}

sess_run() {
	local name=$1; shift
	sess_send "$name" "$@"
	sess_wait "$name"
}

sess_close() {
	local name=$1
	[ -n "${SESS_PID[$name]:-}" ] || return 0
	local fd_in=${SESS_IN[$name]} fd_out=${SESS_OUT[$name]}
	printf '\\q\n' >&"$fd_in" 2>/dev/null
	exec {fd_in}>&-
	# drain whatever is left so psql never blocks on a full pipe while exiting
	cat <&"$fd_out" >/dev/null 2>&1 &
	local drain=$!
	local _
	for _ in $(seq 50); do
		kill -0 "${SESS_PID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	kill "${SESS_PID[$name]}" 2>/dev/null
	wait "${SESS_PID[$name]}" 2>/dev/null
	wait "$drain" 2>/dev/null
	exec {fd_out}<&-
	unset "SESS_PID[$name]"
	rm -f "$SESS_DIR/$name.in" "$SESS_DIR/$name.out"
}

sess_close_all() {
	local name
	for name in "${!SESS_PID[@]}"; do
		sess_close "$name"
	done
}
