FROM busybox
RUN mkdir -p /srv/app && chown 1000:1000 /srv/app && echo 'app:x:1000:1000::/srv/app:/bin/sh' >> /etc/passwd \
 && echo 'app:x:1000:' >> /etc/group
COPY --chown=1000:1000 conf/ /srv/app/conf/
COPY --chown=app:app --chmod=0640 conf/app.ini /srv/app/app.ini
COPY --chmod=755 app.sh /srv/app/bin/
# --link builds the layer on scratch: its parents /srv and /srv/app are created 0755
# and replace the base's entries (BuildKit does the same), so they get the app's owner.
COPY --link --chown=1000:1000 src/main.c /srv/app/src/
ADD --chown=1000 app.sh /srv/app/added.sh
WORKDIR /srv/app
USER app:app
RUN ls -ln /srv/app > /srv/app/listing.txt
