# syntax=docker/dockerfile:1.4
FROM busybox AS base
ARG APP_NAME=demo
ENV APP_HOME=/opt/${APP_NAME}

RUN <<EOF
set -e
mkdir -p "$APP_HOME/bin"
echo "installed $APP_NAME" > "$APP_HOME/install.log"
EOF

COPY <<EOF ${APP_HOME}/app.env
name=${APP_NAME}
home=$APP_HOME
EOF

COPY --chmod=0755 <<'EOF' /usr/local/bin/run-app
#!/bin/sh
# $APP_HOME stays as written: the quoted delimiter turns expansion off.
exec echo "running from $APP_HOME"
EOF

RUN cat <<A >/tmp/a.txt && cat <<-B >/tmp/b.txt
first $APP_NAME
A
	second
	B
