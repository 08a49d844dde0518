# bash completion for mab. Generated from mab's --help texts by
# scripts/gen-completion.py; do not edit. Install: copy to
# /usr/share/bash-completion/completions/mab (or source it from ~/.bashrc).
_mab() {
  local cur=${COMP_WORDS[COMP_CWORD]} cmd="" sub="" flags="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=${COMP_WORDS[i]}; elif [[ -z $sub ]]; then sub=${COMP_WORDS[i]}; fi ;;
    esac
  done
  case $cmd in
    "") COMPREPLY=($(compgen -W "build bake imagetools manifest login logout binfmt du prune info version --root --help --version" -- "$cur")); return ;;
    build) flags="--file --tag --platform --output --push --load --build-arg --target --build-context --label --allow --secret --ssh --iidfile --metadata-file --progress --no-cache --no-cache-filter --cache-from --cache-to --pull --snapshotter --max-parallelism --call --print --help" ;;
    bake) flags="--file --set --print --push --load --no-cache --pull --progress --metadata-file --help" ;;
    imagetools)
      if [[ -z $sub ]]; then COMPREPLY=($(compgen -W "create inspect --help" -- "$cur")); return; fi
      case $sub in
        create) flags="--tag --dry-run --help" ;;
        inspect) flags="--raw --format --help" ;;
      esac ;;
    manifest)
      if [[ -z $sub ]]; then COMPREPLY=($(compgen -W "annotate create inspect push rm --help" -- "$cur")); return; fi
      case $sub in
        annotate) flags="--arch --os --os-features --os-version --variant --help" ;;
        create) flags="--amend --help" ;;
        inspect) flags="--verbose --help" ;;
        push) flags="--purge --help" ;;
        rm) flags="--help" ;;
      esac ;;
    login) flags="--username --password --password-stdin --help" ;;
    logout) flags="--help" ;;
    binfmt) flags="--install --uninstall --json --help" ;;
    du) flags="--filter --verbose --help" ;;
    prune) flags="--all --filter --keep-storage --force --help" ;;
    info) flags="--help" ;;
    version) flags="" ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _mab mab
