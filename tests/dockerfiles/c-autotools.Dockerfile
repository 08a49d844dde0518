FROM debian:bookworm AS build
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends build-essential autoconf automake; \
    rm -rf /var/lib/apt/lists/*
COPY src/ /usr/src/app/
WORKDIR /usr/src/app
RUN ./configure --prefix=/usr/local \
 && make -j"$(nproc)" \
 && make install DESTDIR=/out

FROM debian:bookworm-slim
COPY --from=build /out/ /
RUN ldconfig
CMD ["/usr/local/bin/app"]
