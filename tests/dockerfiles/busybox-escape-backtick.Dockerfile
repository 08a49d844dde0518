# escape=`
# The backtick escapes, so backslashes are plain text (as in Windows paths).
FROM busybox
ENV WIN_PATH=C:\Users\app `
    OTHER=x
RUN mkdir -p /data `
 && echo "path is $WIN_PATH" > /data/escape.txt `
 && echo 'a\b' >> /data/escape.txt
COPY conf/app.ini /data/
WORKDIR /data
