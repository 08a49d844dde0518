FROM --platform=$BUILDPLATFORM busybox AS tools
ARG BUILDPLATFORM
ARG TARGETPLATFORM
RUN echo "building on $BUILDPLATFORM for $TARGETPLATFORM" > /plan.txt

FROM busybox
ARG TARGETOS TARGETARCH TARGETVARIANT
ARG TARGETPLATFORM
COPY --from=tools /plan.txt /etc/plan.txt
RUN echo "os=$TARGETOS arch=$TARGETARCH variant=${TARGETVARIANT:-none}" > /etc/target.txt \
 && uname -m >> /etc/target.txt
ENV PLATFORM=$TARGETPLATFORM
