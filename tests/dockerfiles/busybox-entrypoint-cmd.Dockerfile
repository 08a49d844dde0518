FROM busybox AS shell-form
ENTRYPOINT exec /bin/sh -c 'echo started'
CMD ["ignored", "by", "shell", "entrypoint"]

FROM busybox AS wrapper
COPY --chmod=755 app.sh /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
CMD ["--default"]

# Inherits ENTRYPOINT and CMD; a new ENTRYPOINT here would reset CMD.
FROM wrapper AS final
CMD ["--verbose", "--port=8080"]
RUN /usr/local/bin/app check > /entry.txt
