# A file with comments and continuations in all the places BuildKit allows them.

from busybox AS base   

   # indented comment before an instruction
RUN echo one \
# a comment inside a continuation is dropped
    && echo two \

    && echo three > /lines.txt

run   echo   "spaces   kept   in quotes" >> /lines.txt
env A=1 \
    B="two words" \
    # comment between ENV pairs
    C=3
Label "quoted key"="value" plain=ok
RUN echo "$A $B $C" >> /lines.txt   # not a comment: echo prints it
