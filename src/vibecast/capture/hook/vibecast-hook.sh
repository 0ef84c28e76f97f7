#!/bin/sh
# vibecast-hook, script form: installed by `vibecast hooks install` when no C compiler is found
# (vibecast-hook.c is the fast form; both keep the same contract).
#
#   usage: vibecast-hook.sh CAPTURE_DIR
#
# Copies the hook payload on stdin to CAPTURE_DIR/spool/<arrival µs>-<pid>.hook, through a
# temporary file in spool/tmp and a rename, so the recorder never sees half a payload. Always
# exits 0 and prints nothing; failures leave a line in CAPTURE_DIR/hook.log. Under bash 5 the
# clock is $EPOCHREALTIME (no fork); other shells ask `date` (one fork). The clock is read once:
# each expansion of $EPOCHREALTIME reads it again, and seconds from one read with microseconds
# from the next put an event up to a second early when a second boundary falls between them.
umask 077 # payloads hold prompts, code and maybe secrets: files 0600, directories 0700
dir=$1
[ -n "$dir" ] || exit 0
now=${EPOCHREALTIME:-}
if [ -n "$now" ]; then
  us=${now%[.,]*}${now#*[.,]}
else
  us=$(date +%s%6N 2>/dev/null)
  case $us in *N* | '') us=$(date +%s)000000 ;; esac
fi
name="$us-$$.hook"
tmp="$dir/spool/tmp/$name"
log() { printf '%s vibecast-hook[%s]: %s\n' "$us" "$$" "$1" >>"$dir/hook.log" 2>/dev/null; }
[ -d "$dir/spool/tmp" ] || mkdir -p "$dir/spool/tmp" 2>/dev/null
if cat >"$tmp" 2>/dev/null; then
  if [ -s "$tmp" ]; then
    mv -f "$tmp" "$dir/spool/$name" 2>/dev/null || { log "cannot move the payload into the spool"; rm -f "$tmp"; }
  else
    log "empty payload, nothing spooled"
    rm -f "$tmp"
  fi
else
  log "cannot write $tmp"
  rm -f "$tmp" 2>/dev/null
fi
exit 0
