FROM busybox
# Exec form, shell form, and JSON that is not valid (shell form, as BuildKit does).
RUN ["/bin/sh", "-c", "echo exec-form > /forms.txt"]
RUN echo shell-form >> /forms.txt
RUN [ -f /forms.txt ] && echo "not json" >> /forms.txt
CMD ['single', 'quotes', 'are', 'not', 'json']
ENTRYPOINT [ "/bin/sh", "-c" ]
