#!/usr/bin/env bash
# test-fastcgi-records.sh — malformed FastCGI records sent straight to the app
# socket (no nginx in between) never kill a worker, and service goes on.
. "$top_srcdir/tests/lib.sh"

stack_start
socket="$STATE/qingfeng.sock"
send="$top_builddir/tests/tools/fcgi-send"

# Record header with any version: version type requestId(2) contentLength(2) paddingLength
# reserved. Well-formed records come from lib.sh (fcgi_begin, fcgi_param: short lengths).
hdr() { printf "\\x$1\\x$2\\x00\\x01\\x$3\\x$4\\x00\\x00"; }
begin() { fcgi_begin; }
param() { fcgi_param "$@"; }
end_params() { hdr 01 04 00 00; }
end_stdin() { hdr 01 05 00 00; }

workers_before=$(pgrep -f -- "--socket $socket" | sort | tr '\n' ' ')

# The bytes of each malformed case (streamed: shell variables cannot hold NUL).
case_bytes() {
    case $1 in
        empty) ;;
        truncated-header) printf '\x01\x01\x00' ;;
        bad-version) hdr 02 01 00 08; printf '\x00\x01\x00\x00\x00\x00\x00\x00' ;;
        unknown-type) hdr 01 7f 00 08; printf 'abcdefgh' ;;
        params-before-begin) param REQUEST_METHOD GET; end_params; end_stdin ;;
        stdin-before-begin) hdr 01 05 00 04; printf 'abcd' ;;
        unknown-role) hdr 01 01 00 08; printf '\x00\x09\x00\x00\x00\x00\x00\x00' ;;
        length-past-end) begin; hdr 01 04 ff ff; printf 'short' ;;
        huge-name-length) begin; hdr 01 04 00 0c; printf '\xff\xff\xff\xff\x01\x00\x00\x00XYZW' ;;
        huge-value-length) begin; hdr 01 04 00 0c; printf '\x04\xff\xff\xff\xffXYZWabc' ;;
        max-both-lengths) begin; hdr 01 04 00 10; printf '\xff\xff\xff\xff\xff\xff\xff\xffabcdefgh' ;;
        params-never-end) begin; param REQUEST_METHOD GET ;;
        no-method) begin; param DOCUMENT_URI /api/health; end_params; end_stdin ;;
        bad-content-length) begin; param REQUEST_METHOD GET; param DOCUMENT_URI /api/health
            param CONTENT_LENGTH -5; end_params; end_stdin ;;
        short-body) begin; param REQUEST_METHOD POST; param DOCUMENT_URI /api/health
            param CONTENT_LENGTH 99; end_params; hdr 01 05 00 02; printf 'ab'; end_stdin ;;
        abort-request) begin; hdr 01 02 00 00 ;;
        garbage) head -c 4096 /dev/urandom ;;
    esac
}
for name in empty truncated-header bad-version unknown-type params-before-begin \
    stdin-before-begin unknown-role length-past-end huge-name-length huge-value-length \
    max-both-lengths params-never-end no-method bad-content-length short-body \
    abort-request garbage; do
    case_bytes "$name" | "$send" "$socket" >"$work/reply-$name" 2>&1
    check "app socket took '$name'" test "${PIPESTATUS[1]}" -eq 0
    request GET /api/health
    expect_eq "health after '$name'" "$STATUS" 200
done

# A well-formed request straight to the socket is answered.
{ begin; param REQUEST_METHOD GET; param DOCUMENT_URI /api/health; end_params; end_stdin; } |
    "$send" "$socket" >"$work/reply-good"
expect_match "direct well-formed request" "$(cat "$work/reply-good")" 'status 200'
{ begin; param REQUEST_METHOD GET; end_params; end_stdin; } | "$send" "$socket" >"$work/reply-nopath"
expect_match "request without a path gets 400" "$(cat "$work/reply-nopath")" 'status 400'

workers_after=$(pgrep -f -- "--socket $socket" | sort | tr '\n' ' ')
expect_eq "same worker processes" "$workers_after" "$workers_before"
expect_eq "no worker died" "$(grep -c 'killed by signal\|exited with status' "$work/run.log")" 0

test_done
