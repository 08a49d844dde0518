"""Reading mab's --help texts, for scripts/gen-cli-doc.py and scripts/gen-completion.py."""
import re
import subprocess


def help_text(mab, args):
    """`mab ARGS --help`, run with a fixed environment so the text does not depend on it."""
    result = subprocess.run([mab, *args, "--help"], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})
    return (result.stdout + result.stderr).rstrip() + "\n"


def commands_in(text):
    """The names listed under a 'Commands:' heading."""
    names, inside = [], False
    for line in text.splitlines():
        if line.strip() == "Commands:":
            inside = True
            continue
        if inside:
            m = re.match(r"^  ([a-z][a-z-]*)\s", line)
            if m:
                names.append(m.group(1))
            elif line.strip() == "" and names:
                break
    return names


def flags_in(text):
    """Every long flag an option line of the help names, in order, once."""
    flags = []
    for line in text.splitlines():
        m = re.match(r"^\s+(?:-[a-zA-Z], )?(--[a-z][a-z0-9-]*)", line)
        if m and m.group(1) not in flags:
            flags.append(m.group(1))
    return flags
