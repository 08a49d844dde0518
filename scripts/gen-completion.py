#!/usr/bin/env python3
"""Writes bash and zsh completion scripts for mab from the binary's own --help texts
(commands, subcommands, flags), so completion cannot drift from the program:
tests/e2e/completion.sh regenerates them and compares.

    scripts/gen-completion.py MAB_BINARY [OUT_DIR]   (OUT_DIR default: completion/)
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mab_help import help_text, commands_in, flags_in  # noqa: E402


def main():
    mab = sys.argv[1]
    out = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).resolve().parent.parent / "completion")
    top = help_text(mab, [])
    commands = commands_in(top)
    cases = []
    for command in commands:
        text = help_text(mab, [command])
        subs = commands_in(text)
        if subs:
            inner = "\n".join(
                f'        {sub}) flags="{" ".join(flags_in(help_text(mab, [command, sub])))}" ;;' for sub in subs)
            cases.append(f'''    {command})
      if [[ -z $sub ]]; then COMPREPLY=($(compgen -W "{" ".join(subs)} --help" -- "$cur")); return; fi
      case $sub in
{inner}
      esac ;;''')
        else:
            cases.append(f'    {command}) flags="{" ".join(flags_in(text))}" ;;')
    bash = f'''# bash completion for mab. Generated from mab's --help texts by
# scripts/gen-completion.py; do not edit. Install: copy to
# /usr/share/bash-completion/completions/mab (or source it from ~/.bashrc).
_mab() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} cmd="" sub="" flags="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${{COMP_WORDS[i]}} in
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=${{COMP_WORDS[i]}}; elif [[ -z $sub ]]; then sub=${{COMP_WORDS[i]}}; fi ;;
    esac
  done
  case $cmd in
    "") COMPREPLY=($(compgen -W "{" ".join(commands)} {" ".join(flags_in(top))}" -- "$cur")); return ;;
{chr(10).join(cases)}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}}
complete -o filenames -F _mab mab
'''
    zsh = '''#compdef mab
# zsh completion for mab: the bash completion (generated from mab's --help texts by
# scripts/gen-completion.py) through zsh's bashcompinit. Install: put this file as
# _mab in a directory of $fpath, with mab.bash beside it.
autoload -U +X bashcompinit && bashcompinit
source "${0:A:h}/mab.bash"
'''
    out.mkdir(parents=True, exist_ok=True)
    (out / "mab.bash").write_text(bash)
    (out / "_mab").write_text(zsh)


if __name__ == "__main__":
    main()
