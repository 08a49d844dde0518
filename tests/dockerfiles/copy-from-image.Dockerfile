FROM debian:bookworm-slim
# Borrow a static binary straight from another image.
COPY --from=docker.io/library/busybox:1.36 /bin/busybox /usr/local/bin/busybox
RUN busybox --list | head
