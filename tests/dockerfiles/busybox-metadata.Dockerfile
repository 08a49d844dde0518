FROM busybox
MAINTAINER Example Maintainer <maintainer@example.com>
LABEL org.opencontainers.image.source="https://example.com/app" \
      org.opencontainers.image.description="a busybox tool box" \
      com.example.multi="a b c"
EXPOSE 80 443/tcp 53/udp 9000-9002
VOLUME ["/data", "/logs"]
VOLUME /cache
STOPSIGNAL SIGQUIT
SHELL ["/bin/sh", "-ec"]
RUN mkdir -p /data /logs /cache && touch /data/.keep
USER 65534:65534
WORKDIR /data
