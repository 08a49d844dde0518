FROM busybox AS stage-a
RUN echo a > /a

FROM stage-a AS stage-b
RUN echo b > /b

FROM busybox AS unrelated
RUN echo "never built for the default target" > /u

FROM scratch AS export
COPY --from=0 /a /from-index-0
COPY --from=stage-b /a /b /
COPY --from=stage-b /bin/busybox /bin/busybox
