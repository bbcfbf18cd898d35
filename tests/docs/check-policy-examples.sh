#!/bin/sh
# Every policy file the docs show (a ```json block with "cv-lsm-policy") must pass
# `cv-lsm policy validate`, so the docs cannot teach a format the parser refuses.
#   check-policy-examples.sh CV_LSM DOC...
set -u
cvlsm=${1:?usage: check-policy-examples.sh CV_LSM DOC...}
shift
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
failed=0 checked=0
for doc in "$@"; do
  # Writes block N of DOC to $work/N.json when it is a policy file.
  awk -v dir="$work" -v base="$(basename "$doc" .md)" '
    /^```json/ { inside = 1; n++; text = ""; next }
    /^```/ && inside { inside = 0; if (text ~ /"cv-lsm-policy"/) print text > (dir "/" base "-" n ".json"); next }
    inside { text = text $0 "\n" }' "$doc"
done
for example in "$work"/*.json; do
  [ -e "$example" ] || continue
  checked=$((checked + 1))
  if ! out=$("$cvlsm" policy validate "$example" 2>&1); then
    echo "policy example $(basename "$example"): $out" >&2
    failed=1
  fi
done
[ "$checked" -gt 0 ] || { echo "no policy example found in $*" >&2; exit 1; }
echo "policy examples: $checked checked"
exit $failed
