# Which base and which tag are build arguments; the stage name is fixed.
ARG BASE_IMAGE=busybox
ARG BASE_TAG=
ARG FLAVOUR=minimal

FROM ${BASE_IMAGE}${BASE_TAG:+:$BASE_TAG} AS base
ARG FLAVOUR
RUN echo "flavour=$FLAVOUR" > /flavour

FROM base AS extra-minimal
RUN echo minimal > /variant

FROM base AS extra-full
RUN echo full > /variant && mkdir -p /opt/full

FROM extra-${FLAVOUR}
ARG BASE_IMAGE
LABEL base=${BASE_IMAGE}
RUN cat /flavour /variant > /summary
