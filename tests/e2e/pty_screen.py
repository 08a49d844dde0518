#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal of a given size and prints what a terminal
would finally show: the screen after replaying the output's cursor movements
(cursor up, carriage return, erase line/below; colours dropped), scrollback included.

usage: pty_screen.py COLUMNS ROWS RAW_OUT -- COMMAND...
Writes the raw byte stream to RAW_OUT, the final screen to stdout, and exits with
the command's status."""
import fcntl
import os
import pty
import re
import struct
import sys
import termios


def run(columns, rows, argv):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    return b"".join(chunks).decode("utf-8", "replace"), os.waitstatus_to_exitcode(status)


def replay(text):
    lines, row, col = [""], 0, 0
    for token in re.findall(r"\x1b\[[0-9;?]*[A-Za-z]|\r\n|.", text, re.S):
        if token.startswith("\x1b["):
            arg, kind = token[2:-1], token[-1]
            if kind == "A":
                row = max(0, row - int(arg or 1))
            elif kind == "K":
                lines[row] = lines[row][:col]
            elif kind == "J":
                lines[row] = lines[row][:col]
                del lines[row + 1:]
            continue
        if token in ("\n", "\r\n"):  # the pty turns \n into \r\n
            row, col = row + 1, 0
            if row == len(lines):
                lines.append("")
        elif token == "\r":
            col = 0
        else:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + token + line[col + 1:]
            col += 1
    return "\n".join(lines)


def main():
    columns, rows, raw_out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    argv = sys.argv[sys.argv.index("--") + 1:]
    text, status = run(columns, rows, argv)
    with open(raw_out, "w", encoding="utf-8") as f:
        f.write(text)
    sys.stdout.write(replay(text))
    sys.exit(status)


if __name__ == "__main__":
    main()
