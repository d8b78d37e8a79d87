// A shell session docrun started on another machine (over SSH), named as locally: by its
// leader's pid and kernel start time. The script below ends it there, from that machine's own
// /proc, so a recycled pid is never touched: the ssh target runs it when it closes, the ledger
// when a dead run left one (`docrun clean`, the next run).

/** What the ledger keeps of a remote session. */
export interface RemoteSessionRef {
  /** The session leader's pid on the remote machine (the shell sshd started: it leads its session). */
  sid: number
  /** Its start time there (field 22 of /proc/PID/stat). */
  startTime: string
  /** The session's directory there (uploads, state dumps: may hold secrets). */
  dir: string
}

/** A remote session as the ledger records it: how to reach its host, and which session it is there. */
export interface RemoteSessionRecord extends RemoteSessionRef {
  description: string
  /** The ssh arguments that reach the host (options, identity, port), the destination last. */
  ssh: string[]
  /** The target's local temp dir: removed once the remote session is known to be over. */
  local: string
}

/** Print the start time of the shell that reads this (POSIX sh, no awk): `pid (comm) state ppid …` — field 22. */
export const START_TIME_OF_SELF = `__dr_s=$(cat /proc/$$/stat); __dr_s=\${__dr_s##*) }; set -- $__dr_s; printf '%s\\n' "$$:\${20}"`

/**
 * POSIX sh that ends every process of the session (TERM, then KILL after 3 s) when its leader is
 * the one recorded, or gone with members left (a session id is not handed out again while a
 * member lives), and removes its directory. Prints `ended N` (processes signalled) or `gone`.
 */
export function endRemoteSessionScript(r: RemoteSessionRef): string {
  const dir = `'${r.dir.replace(/'/g, `'\\''`)}'`
  return [
    `sid=${Number(r.sid)} st='${r.startTime.replace(/[^0-9]/g, '')}'`,
    // The members of session $sid, from /proc (field 6), leaving out this script's own shell.
    'members() { for f in /proc/[0-9]*/stat; do l=$(cat "$f" 2>/dev/null) || continue; p=${l%% *}; l=${l##*) }; set -- $l;',
    '  [ "$4" = "$sid" ] && [ "$1" != Z ] && [ "$p" != $$ ] && printf "%s " "$p"; done; }',
    'mine=1',
    'if [ -r /proc/$sid/stat ]; then l=$(cat /proc/$sid/stat); l=${l##*) }; set -- $l; [ "${20}" = "$st" ] || mine=; fi',
    'n=0',
    'if [ -n "$mine" ]; then',
    '  m=$(members); [ -n "$m" ] && { kill -TERM $m 2>/dev/null; set -- $m; n=$#; }',
    '  i=0; while [ $i -lt 30 ] && [ -n "$(members)" ]; do sleep 0.1; i=$((i + 1)); done',
    '  m=$(members); [ -n "$m" ] && kill -KILL $m 2>/dev/null',
    'fi',
    `rm -rf -- ${dir}`,
    '[ "$n" -gt 0 ] && echo "ended $n" || echo gone',
  ].join('\n')
}
