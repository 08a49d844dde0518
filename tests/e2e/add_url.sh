#!/usr/bin/env bash
# ADD <url> (issue 5): the file is downloaded from a local HTTP server as one file named
# after the URL path (or the destination), mode 0600 with its Last-Modified as mtime,
# never extracted; --checksum is verified (a mismatch names both digests), --chown and
# --chmod apply, an HTTP error fails naming the status. Checked in the image umoci unpacks.
source "$(dirname "$0")/lib.sh"
need skopeo umoci tar sha256sum

served="$WORK/served"
mkdir -p "$served/dist" "$WORK/tarsrc"
echo hello >"$served/hello.txt"
touch -d '2021-03-04 05:06:07 UTC' "$served/hello.txt"
echo inside >"$WORK/tarsrc/inside.txt"
tar -czf "$served/dist/app.tar.gz" -C "$WORK/tarsrc" inside.txt
sum=sha256:$(sha256sum "$served/hello.txt" | cut -d' ' -f1)
start_file_server "$served"

ctx=$(new_context ctx <<DOCKERFILE
FROM scratch
ADD $FILE_SERVER/hello.txt /dl/
ADD --checksum=$sum --chown=1000:2000 --chmod=644 $FILE_SERVER/hello.txt /etc/renamed.conf
ADD $FILE_SERVER/dist/app.tar.gz local.txt /archives/
DOCKERFILE
)
echo local >"$ctx/local.txt"
mab build --platform linux/amd64 -o type=oci,dest="$WORK/img.tar" "$ctx"
root=$(unpack_platform "$WORK/img.tar" amd64)
assert_eq "$(cat "$root/dl/hello.txt")" hello "downloaded content"
assert_eq "$(stat_line "$root/dl/hello.txt")" "600 0:0 regular file" "mode 0600, root-owned"
assert_eq "$(stat -c %Y "$root/dl/hello.txt")" "$(date -d '2021-03-04 05:06:07 UTC' +%s)" "mtime from Last-Modified"
assert_eq "$(stat_line "$root/etc/renamed.conf")" "644 1000:2000 regular file" "--chown and --chmod"
assert_eq "$(cat "$root/etc/renamed.conf")" hello "named after the destination"
# A remote archive is kept as it is (only local archives are extracted).
cmp "$root/archives/app.tar.gz" "$served/dist/app.tar.gz" || fail "the archive was changed"
[[ ! -e "$root/archives/inside.txt" ]] || fail "a remote archive was extracted"
assert_eq "$(cat "$root/archives/local.txt")" local "a local source beside a URL"
grep -x /hello.txt "$FILE_SERVER_LOG" >/dev/null || fail "the server was not asked for /hello.txt"

# A wrong checksum: the build fails naming the expected and the downloaded digest.
wrong=sha256:$(printf other | sha256sum | cut -d' ' -f1)
ctx2=$(new_context ctx2 <<DOCKERFILE
FROM scratch
ADD --checksum=$wrong $FILE_SERVER/hello.txt /x
DOCKERFILE
)
mab_fails build --platform linux/amd64 "$ctx2"
assert_output_contains "digest mismatch"
assert_output_contains "$wrong"
assert_output_contains "$sum"

# A missing file: the HTTP status is named.
ctx3=$(new_context ctx3 <<DOCKERFILE
FROM scratch
ADD $FILE_SERVER/missing.txt /x
DOCKERFILE
)
mab_fails build --platform linux/amd64 "$ctx3"
assert_output_contains "$FILE_SERVER/missing.txt: invalid response status 404"
echo ok
