# syntax=docker/dockerfile:1.5
FROM golang:1.22 AS build
WORKDIR /src
RUN --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=cache,target=/go/pkg/mod \
    go mod download -x
RUN --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,target=. \
    go build -o /bin/app .

FROM scratch
COPY --from=build /bin/app /app
ENTRYPOINT ["/app"]
