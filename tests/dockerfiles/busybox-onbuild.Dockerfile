# A base image that teaches its users how to build them.
FROM busybox
RUN mkdir -p /app
ONBUILD COPY . /app/src
ONBUILD RUN echo "built from $(pwd)" > /app/onbuild.txt
ONBUILD WORKDIR /app
CMD ["/bin/sh"]
