#!/usr/bin/env bash
# Heredocs (Dockerfile syntax 1.4) built for linux/amd64 and linux/arm64 (emulated) on a
# busybox base: RUN with a lone heredoc script, a #! script run by its interpreter (also
# as a non-root USER), a heredoc to a command's stdin, two heredocs in one RUN, and
# COPY/ADD heredocs as inline files with ARG/ENV expansion, --chmod and --chown. Every
# result is read back from the unpacked images.
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq
[[ $(id -u) -eq 0 ]] || skip "needs root to fetch the arm64 busybox and to map USER 1000"
[[ "$(uname -m)" == x86_64 ]] || skip "the expected machines assume an amd64 host"
ls /usr/bin/qemu-aarch64-static >/dev/null 2>&1 || skip "qemu-user-static is not installed"

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch AS base
ARG TARGETARCH
COPY bb/${TARGETARCH}/ /

FROM base
ARG TARGETARCH
ARG GREETING=hello
ENV NAME=world
WORKDIR /work
# A lone heredoc is the shell's script.
RUN <<EOF
set -e
echo "$GREETING $NAME" > /run-script.txt
uname -m >> /run-script.txt
EOF
# A #! body runs with the interpreter it names: awk, which is no shell.
RUN <<EOF
#!/usr/bin/awk -f
BEGIN { print "awk says hi" > "/shebang.txt" }
EOF
# A heredoc to a command's stdin; the quoted delimiter leaves $NAME to that command.
RUN sh <<'EOF' > /stdin.txt
echo "from stdin: $NAME in $(pwd)"
EOF
# Two heredocs in one RUN: the shell expands the unquoted one, <<- strips tabs.
RUN cat <<A > /a.txt && cat <<-'B' > /b.txt
unquoted $NAME
A
	quoted $NAME
	B
COPY <<EOF /etc/app.conf
greeting=$GREETING
name=${NAME}
arch=$TARGETARCH
EOF
COPY <<"EOF" /etc/raw.conf
name=$NAME
EOF
COPY --chmod=0750 --chown=1000:1000 <<one <<two /opt/bin/
#!/bin/sh
echo one
one
#!/bin/sh
echo two
two
ADD <<EOF /etc/added.txt
added
EOF
RUN /opt/bin/one > /ran-one.txt
USER 1000:1000
RUN <<EOF
#!/bin/sh
id -u > /tmp/shebang-uid
EOF
DOCKERFILE
)
for pair in amd64:amd64 arm64:arm64; do
  deb=${pair%%:*} arch=${pair#*:}
  bin=$("$REPO_DIR/emu/testdata/fetch-busybox.sh" "$deb") || skip "cannot fetch busybox-static:$deb"
  root="$ctx/bb/$arch"
  mkdir -p "$root/bin" "$root/usr/bin" "$root/tmp"
  cp "$bin" "$root/bin/busybox"
  for tool in sh cat echo uname id pwd; do ln -s busybox "$root/bin/$tool"; done
  ln -s ../../bin/busybox "$root/usr/bin/awk"
  chmod 1777 "$root/tmp"
done

mab build --platform linux/amd64,linux/arm64 -o type=oci,dest="$WORK/out.tar" "$ctx"
assert_output_contains "RUN <<EOF (set -e...)"
assert_output_contains "RUN <<EOF (#!/usr/bin/awk -f...)"

for pair in amd64:x86_64 arm64:aarch64; do
  arch=${pair%%:*} machine=${pair#*:}
  root=$(unpack_platform "$WORK/out.tar" "$arch")
  assert_eq "$(cat "$root/run-script.txt")" "hello world
$machine" "lone heredoc script ($arch)"
  assert_eq "$(cat "$root/shebang.txt")" "awk says hi" "#! script run by awk ($arch)"
  assert_eq "$(cat "$root/stdin.txt")" "from stdin: world in /work" "heredoc to a command ($arch)"
  assert_eq "$(cat "$root/a.txt")" "unquoted world" "first of two heredocs ($arch)"
  assert_eq "$(cat "$root/b.txt")" 'quoted $NAME' "second of two heredocs ($arch)"
  assert_eq "$(cat "$root/etc/app.conf")" "greeting=hello
name=world
arch=$arch" "COPY heredoc expanded ($arch)"
  assert_eq "$(stat_line "$root/etc/app.conf")" "644 0:0 regular file" "COPY heredoc file ($arch)"
  assert_eq "$(cat "$root/etc/raw.conf")" 'name=$NAME' "quoted COPY heredoc ($arch)"
  for f in one two; do
    assert_eq "$(cat "$root/opt/bin/$f")" "#!/bin/sh
echo $f" "COPY heredoc $f ($arch)"
    assert_eq "$(stat_line "$root/opt/bin/$f")" "750 1000:1000 regular file" "--chmod/--chown on $f ($arch)"
  done
  assert_eq "$(cat "$root/etc/added.txt")" added "ADD heredoc ($arch)"
  assert_eq "$(cat "$root/ran-one.txt")" one "the copied script runs ($arch)"
  assert_eq "$(cat "$root/tmp/shebang-uid")" 1000 "#! script as USER 1000 ($arch)"
  # The #! script file lives only while its RUN runs.
  assert_eq "$(cd "$root" && find . -path './dev/*' | sort | tr '\n' ' ')" "" "nothing under /dev ($arch)"
done

# An unterminated heredoc names the instruction's line.
bad=$(new_context bad <<'DOCKERFILE'
FROM scratch
COPY <<EOF /x
no delimiter line follows
DOCKERFILE
)
mab_fails build "$bad"
assert_output_contains "Dockerfile:2"
assert_output_contains 'unterminated heredoc: no line "EOF" ends it'
echo ok
