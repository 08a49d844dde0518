FROM nginx:1.25-alpine
COPY conf/ /etc/nginx/conf.d/
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
  CMD wget -qO- http://localhost/ || exit 1
EXPOSE 80
