ARG VERSION=1.0.0
ARG CHANNEL

FROM busybox AS build
ARG VERSION
ARG CHANNEL=stable
ARG GREETING="hello world"
ENV APP_VERSION=${VERSION} \
    APP_CHANNEL=${CHANNEL:-unknown}
RUN echo "$APP_VERSION $APP_CHANNEL $GREETING" > /versions.txt \
 && echo "${UNSET_VAR:-fallback} ${APP_CHANNEL:+set}" >> /versions.txt
ENV DIR=/opt/app-${VERSION}
WORKDIR $DIR
RUN pwd >> /versions.txt
