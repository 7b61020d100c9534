#!/usr/bin/env bash
# test-disk-full.sh — the database's file system fills up under the real
# app: writes answer 503, reads keep working, nothing is corrupt, and
# writes succeed again once there is space.
#
# The file system is a real one, a 16 MiB tmpfs mounted for the test (the
# database and its WAL are put there through a symbolic link), filled by a
# filler file: the app meets ENOSPC exactly as on a full disk, through the
# kernel rather than through a simulated VFS. Mounting needs root (and a
# sandbox that allows it): elsewhere the test skips.
. "$top_srcdir/tests/lib.sh"

disk="$work/disk"
mkdir -p "$disk"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=16m qf-disk-full "$disk" 2>/dev/null; then
    echo "skip: cannot mount a tmpfs here (needs root and a sandbox that allows mount)"
    exit 77
fi
unmount_disk() {
    stack_stop
    umount "$disk" 2>/dev/null || umount -l "$disk" 2>/dev/null
    cleanup
}
trap unmount_disk EXIT
# stack_start creates $work/qingfeng.db: let it land on the small disk.
ln -s "$disk/qingfeng.db" "$work/qingfeng.db"
stack_start 2
login demo-cadre || test_done
check "the database is on the small disk" test -s "$disk/qingfeng.db"
item=$(sqlite3 "$DB" "SELECT id FROM items WHERE status = 'published' ORDER BY id LIMIT 1")
: >"$work/acknowledged"

post_event() {
    send_json POST /api/events "{\"client_id\":\"disk-$1\",\"item_id\":$item,\"kind\":\"progress\",\"value\":0.5}"
    case $STATUS in 2*) echo "disk-$1" >>"$work/acknowledged" ;; esac
}

post_event before
expect_eq "a write with space left" "$STATUS" 201

# Fill the disk, then write until the writes are refused.
dd if=/dev/zero of="$disk/filler" bs=64k 2>/dev/null
echo "disk: $(df -k --output=avail "$disk" | tail -1) KiB free after the filler"
refused=0 accepted=0 statuses=
for i in $(seq 1 3000); do
    post_event "full-$i"
    statuses="$statuses $STATUS"
    case $STATUS in
    2*) accepted=$((accepted + 1)) ;;
    503) refused=$((refused + 1)); [ "$refused" -ge 20 ] && break ;;
    *) fail "a write on the full disk: status $STATUS: $BODY"; break ;;
    esac
done
echo "full disk: $accepted writes accepted before the first refusals, $refused refused (503 $(jq -r '.error.code' <<<"$BODY"))"
check "writes were refused on the full disk" test "$refused" -gt 0
expect_json_error "a write on the full disk" 503 "$(jq -r '.error.code' <<<"$BODY")"

# Reads still work.
request GET '/api/search?q=%E7%BA%AA%E5%BE%8B&limit=5' "${AUTH[@]}"
expect_eq "search on the full disk" "$STATUS" 200
request GET /api/me "${AUTH[@]}"
expect_eq "/api/me on the full disk" "$STATUS" 200
request GET /api/me/progress "${AUTH[@]}"
expect_eq "progress on the full disk" "$STATUS" 200
request GET /api/health
expect_eq "health on the full disk" "$STATUS" 200

# Space comes back: so does writing.
rm -f "$disk/filler"
post_event after
expect_eq "a write once space is back" "$STATUS" 201
post_event after-2
expect_eq "a second write once space is back" "$STATUS" 201
deaths=$(grep -cE 'worker [0-9]+ (killed by signal|exited with status)' "$work/run.log" || true)
expect_eq "workers that died" "$deaths" 0
stack_stop

stored=$(sqlite3 "$DB" "SELECT client_id FROM events WHERE client_id LIKE 'disk-%'" | sort)
lost=$(comm -23 <(sort "$work/acknowledged") <(printf '%s\n' "$stored") | wc -l)
expect_eq "acknowledged writes lost" "$lost" 0
expect_eq "integrity_check" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
echo "disk full: $(wc -l <"$work/acknowledged") writes acknowledged, $lost lost, integrity $(sqlite3 "$DB" 'PRAGMA integrity_check')"
test_done
