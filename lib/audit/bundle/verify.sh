#!/bin/sh
# Verifies a Rootwarden audit export bundle offline, with OpenSSL 3 and POSIX tools only.
# Prints "OK: ..." and exits 0, or prints the first problem ("FAIL: ...") and exits 1.
# What it checks (lib/audit/README.md describes the format):
#   1. the signed checkpoints (C2SP tlog-checkpoint, Ed25519) by the public keys in keys.txt,
#      each within its key's validity window (tree sizes);
#   2. every line of events.jsonl: SHA-256(0x00 || line) equals its recorded leaf (leaves.txt);
#   3. the Merkle root (RFC 6962) of the log up to the range's end, from the frontier before the
#      range and the range's leaves, equals the signed checkpoint at the range's end;
#   4. the consistency proof from that checkpoint to the signed root of the whole log, and the
#      inclusion proofs of the first and last event in it.
# Compare the key fingerprints it prints with the ones you were given out of band.
set -u
cd "$(dirname "$0")" || exit 2
command -v openssl >/dev/null 2>&1 || { echo "FAIL: openssl is not installed"; exit 2; }
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT
trap 'exit 2' INT TERM

fail() { echo "FAIL: $*"; exit 1; }
val() { sed -n "s/^$1=//p" range.txt; }
b64of() { openssl base64 -A < "$1"; }
b64bin() { printf '%s\n' "$1" | openssl base64 -d -A > "$2"; }
# hnode L R OUT: OUT = SHA-256(0x01 || L || R)
hnode() { { printf '\001'; cat "$1" "$2"; } | openssl dgst -sha256 -binary > "$T/hnode.tmp" && mv "$T/hnode.tmp" "$3"; }
is_power_of_two() { [ "$1" -gt 0 ] && [ $(($1 & ($1 - 1))) -eq 0 ]; }
popcount() { n=$1; c=0; while [ "$n" -gt 0 ]; do c=$((c + n % 2)); n=$((n / 2)); done; echo "$c"; }
is_number() { case "$1" in ''|*[!0-9]*) return 1 ;; esac; }

for f in range.txt events.jsonl leaves.txt frontier.txt checkpoint-tree.txt consistency.txt inclusion-first.txt inclusion-last.txt keys.txt; do
  [ -f "$f" ] || fail "$f is missing from the bundle"
done
A=$(val start_size); B=$(val end_size); N=$(val tree_size); ORIGIN=$(val origin)
for v in "$A" "$B" "$N"; do is_number "$v" || fail "range.txt: bad sizes (start_size=$A end_size=$B tree_size=$N)"; done
[ "$A" -le "$B" ] && [ "$B" -le "$N" ] || fail "range.txt: sizes out of order ($A, $B, $N)"

# check_cp FILE SIZE: verifies a signed checkpoint; sets CP_ROOT (base64).
check_cp() {
  awk 'NF == 0 { exit } { print }' "$1" > "$T/text"
  [ "$(sed -n 1p "$T/text")" = "$ORIGIN" ] || fail "$1: origin is not $ORIGIN"
  [ "$(sed -n 2p "$T/text")" = "$2" ] || fail "$1: tree size is not $2"
  CP_ROOT=$(sed -n 3p "$T/text")
  [ "$(wc -l < "$T/text" | tr -d ' ')" -eq 3 ] || fail "$1: expected exactly three note lines"
  sigline=$(awk 'p && NF { print; exit } NF == 0 { p = 1 }' "$1")
  case "$sigline" in "— "*) ;; *) fail "$1: no signature line" ;; esac
  name=$(printf '%s\n' "$sigline" | awk '{ print $2 }')
  b64bin "$(printf '%s\n' "$sigline" | awk '{ print $3 }')" "$T/sigall"
  [ "$(wc -c < "$T/sigall" | tr -d ' ')" -eq 68 ] || fail "$1: the signature is not 4 + 64 bytes"
  dd if="$T/sigall" of="$T/kid" bs=4 count=1 2>/dev/null
  tail -c 64 "$T/sigall" > "$T/sig"
  kid=$(od -An -v -tx1 "$T/kid" | tr -d ' \n')
  found=""
  while read -r k n from until pem; do
    [ "$k" = "$kid" ] && [ "$n" = "$name" ] || continue
    # Values from the bundle are checked before any numeric test or use as a path (some shells
    # evaluate test operands as arithmetic).
    is_number "$from" || fail "keys.txt: key $k has a non-numeric start size"
    [ "$until" = "-" ] || is_number "$until" || fail "keys.txt: key $k has a non-numeric end size"
    case "$pem" in keys/[0-9a-f]*.pem) ;; *) fail "keys.txt: key $k names an unexpected file" ;; esac
    case "$pem" in *..*|*/*/*) fail "keys.txt: key $k names an unexpected file" ;; esac
    [ "$2" -gt "$from" ] || continue
    [ "$until" = "-" ] || [ "$2" -le "$until" ] || continue
    found=$pem
    break
  done < keys.txt
  [ -n "$found" ] || fail "$1: signed by key $name $kid, which keys.txt does not list as valid at tree size $2"
  openssl pkey -pubin -in "$found" -outform DER 2>/dev/null | tail -c 32 > "$T/raw" || fail "$found: unreadable public key"
  calc=$({ printf '%s\n' "$name"; printf '\001'; cat "$T/raw"; } | openssl dgst -sha256 -binary | od -An -v -tx1 | tr -d ' \n' | cut -c1-8)
  [ "$calc" = "$kid" ] || fail "$found: its key ID is $calc, not $kid"
  openssl pkeyutl -verify -pubin -inkey "$found" -rawin -in "$T/text" -sigfile "$T/sig" >/dev/null 2>&1 ||
    fail "$1: the signature does not verify (forged or altered checkpoint)"
  SIGNED_BY="$name $kid ($(openssl pkey -pubin -in "$found" -outform DER 2>/dev/null | openssl dgst -sha256 -hex | sed 's/^.*= //'))"
}

# The frontier stack: files $T/f1..$T/f$K, largest subtree first.
K=0
push_leaf() { # $1 = index of the leaf in $T/leaf
  K=$((K + 1)); cp "$T/leaf" "$T/f$K"; n=$1
  while [ $((n % 2)) -eq 1 ]; do
    hnode "$T/f$((K - 1))" "$T/f$K" "$T/f$((K - 1))"; K=$((K - 1)); n=$((n / 2))
  done
}
stack_root() { # prints the base64 root of the stack
  if [ "$K" -eq 0 ]; then printf '' | openssl dgst -sha256 -binary > "$T/r"; else
    cp "$T/f$K" "$T/r"; j=$((K - 1))
    while [ "$j" -ge 1 ]; do hnode "$T/f$j" "$T/r" "$T/r"; j=$((j - 1)); done
  fi
  b64of "$T/r"
}

check_cp checkpoint-tree.txt "$N"; TREE_ROOT=$CP_ROOT; TREE_KEY=$SIGNED_BY
END_ROOT=$TREE_ROOT
if [ "$B" -gt 0 ] && [ "$B" -ne "$N" ]; then
  [ -f checkpoint-end.txt ] || fail "checkpoint-end.txt is missing from the bundle"
  check_cp checkpoint-end.txt "$B"; END_ROOT=$CP_ROOT
fi

while IFS= read -r h; do
  [ -n "$h" ] || continue
  K=$((K + 1)); b64bin "$h" "$T/f$K"
done < frontier.txt
[ "$K" -eq "$(popcount "$A")" ] || fail "frontier.txt: a tree of $A leaves has $(popcount "$A") frontier hashes, not $K"
if [ "$A" -gt 0 ] && [ -f checkpoint-start.txt ]; then
  check_cp checkpoint-start.txt "$A"
  [ "$(stack_root)" = "$CP_ROOT" ] || fail "frontier.txt does not match the signed checkpoint of size $A"
fi

exec 3< leaves.txt
line_no=0
while IFS= read -r line; do
  line_no=$((line_no + 1)); seq=$((A + line_no - 1))
  IFS= read -r want <&3 || fail "leaves.txt has fewer lines than events.jsonl"
  case "$line" in *"\"seq\":$seq,"*) ;; *) fail "events.jsonl line $line_no: expected the event with seq $seq" ;; esac
  printf '\000%s' "$line" | openssl dgst -sha256 -binary > "$T/leaf"
  got=$(b64of "$T/leaf")
  [ "$got" = "$want" ] || fail "events.jsonl line $line_no (seq $seq): its content hashes to leaf $got, but the log recorded $want"
  [ "$line_no" -eq 1 ] && FIRST_LEAF=$got
  LAST_LEAF=$got
  push_leaf "$seq"
done < events.jsonl
IFS= read -r extra <&3 && fail "leaves.txt has more lines than events.jsonl"
exec 3<&-
[ "$line_no" -eq $((B - A)) ] || fail "events.jsonl has $line_no events; the range needs $((B - A)) (seq $A..$((B - 1)))"
[ "$(stack_root)" = "$END_ROOT" ] || fail "the events do not produce the signed root of size $B: an event was changed, added, removed or reordered"

# RFC 9162 2.1.4.2
verify_consistency() { # first second first_root second_root proof_file
  if [ "$1" -eq "$2" ]; then [ "$3" = "$4" ] && [ ! -s "$5" ]; return; fi
  if is_power_of_two "$1"; then { printf '%s\n' "$3"; cat "$5"; } > "$T/cpath"; else cp "$5" "$T/cpath"; fi
  fn=$(($1 - 1)); sn=$(($2 - 1)); i=0
  while [ $((fn % 2)) -eq 1 ]; do fn=$((fn / 2)); sn=$((sn / 2)); done
  while IFS= read -r c; do
    [ -n "$c" ] || continue
    i=$((i + 1))
    if [ "$i" -eq 1 ]; then b64bin "$c" "$T/fr"; cp "$T/fr" "$T/sr"; continue; fi
    [ "$sn" -eq 0 ] && return 1
    b64bin "$c" "$T/c"
    if [ $((fn % 2)) -eq 1 ] || [ "$fn" -eq "$sn" ]; then
      hnode "$T/c" "$T/fr" "$T/fr"; hnode "$T/c" "$T/sr" "$T/sr"
      if [ $((fn % 2)) -eq 0 ]; then
        while [ $((fn % 2)) -eq 0 ] && [ "$fn" -ne 0 ]; do fn=$((fn / 2)); sn=$((sn / 2)); done
      fi
    else
      hnode "$T/sr" "$T/c" "$T/sr"
    fi
    fn=$((fn / 2)); sn=$((sn / 2))
  done < "$T/cpath"
  [ "$i" -ge 1 ] && [ "$sn" -eq 0 ] && [ "$(b64of "$T/fr")" = "$3" ] && [ "$(b64of "$T/sr")" = "$4" ]
}

# RFC 9162 2.1.3.2
verify_inclusion() { # index size leaf root proof_file
  [ "$1" -lt "$2" ] || return 1
  fn=$1; sn=$(($2 - 1)); b64bin "$3" "$T/ir"
  while IFS= read -r p; do
    [ -n "$p" ] || continue
    [ "$sn" -eq 0 ] && return 1
    b64bin "$p" "$T/ip"
    if [ $((fn % 2)) -eq 1 ] || [ "$fn" -eq "$sn" ]; then
      hnode "$T/ip" "$T/ir" "$T/ir"
      if [ $((fn % 2)) -eq 0 ]; then
        while [ $((fn % 2)) -eq 0 ] && [ "$fn" -ne 0 ]; do fn=$((fn / 2)); sn=$((sn / 2)); done
      fi
    else
      hnode "$T/ir" "$T/ip" "$T/ir"
    fi
    fn=$((fn / 2)); sn=$((sn / 2))
  done < "$5"
  [ "$sn" -eq 0 ] && [ "$(b64of "$T/ir")" = "$4" ]
}

if [ "$B" -gt 0 ]; then
  verify_consistency "$B" "$N" "$END_ROOT" "$TREE_ROOT" consistency.txt ||
    fail "consistency.txt: the log of size $B is not a prefix of the signed log of size $N"
fi
if [ "$B" -gt "$A" ]; then
  verify_inclusion "$A" "$N" "$FIRST_LEAF" "$TREE_ROOT" inclusion-first.txt || fail "inclusion-first.txt: seq $A is not in the signed log of size $N"
  verify_inclusion $((B - 1)) "$N" "$LAST_LEAF" "$TREE_ROOT" inclusion-last.txt || fail "inclusion-last.txt: seq $((B - 1)) is not in the signed log of size $N"
  echo "OK: $((B - A)) events (seq $A..$((B - 1))) are in the log of $N events signed by $TREE_KEY, root $TREE_ROOT"
else
  echo "OK: no events in the range; the log of $N events is signed by $TREE_KEY, root $TREE_ROOT"
fi
