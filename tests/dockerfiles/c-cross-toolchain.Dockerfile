# The compiler runs natively; it targets TARGETARCH.
FROM --platform=$BUILDPLATFORM debian:bookworm AS cross
ARG TARGETARCH
RUN case "$TARGETARCH" in \
      amd64) triple=x86_64-linux-gnu ;; \
      arm64) triple=aarch64-linux-gnu ;; \
      *) echo "unsupported: $TARGETARCH" >&2; exit 1 ;; \
    esac \
 && apt-get update \
 && apt-get install -y gcc-$(echo $triple | tr _ -) \
 && echo "$triple" > /triple
COPY src/main.c /src/
RUN "$(cat /triple)-gcc" -static -O2 -o /out/hello /src/main.c

FROM scratch
COPY --from=cross /out/hello /hello
ENTRYPOINT ["/hello"]
