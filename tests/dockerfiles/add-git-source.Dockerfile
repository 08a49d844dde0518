FROM alpine:3.19 AS src
ADD --keep-git-dir=true https://github.com/example/project.git#v1.2.0 /src
WORKDIR /src
RUN ls -la
