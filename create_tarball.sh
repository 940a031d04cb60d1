#!/bin/sh
# Pack your handin: sh create_tarball.sh  ->  handin.tar with mytorch/ and hw/.
# Only .py files and your written answers (hw/answers.md) go in (no caches, bytecode, data or editor files).
set -eu
cd "$(dirname "$0")"

# BEGIN GENERATED: required-files
required="
mytorch/__init__.py
mytorch/activation.py
mytorch/ctc.py
mytorch/gru_cell.py
mytorch/linear.py
mytorch/loss.py
mytorch/lstm_cell.py
mytorch/rnn_cell.py
mytorch/search.py
hw/__init__.py
hw/char_predictor.py
hw/mc.py
hw/rnn_classifier.py
hw/char_rnn/__init__.py
hw/char_rnn/model.py
hw/char_rnn/sampling.py
hw/poems/__init__.py
hw/poems/bptt.py
hw/poems/generate.py
hw/poems/model.py
hw/poems/preprocess.py
"
# END GENERATED: required-files

missing=""
for f in $required; do
    [ -f "$f" ] || missing="$missing $f"
done
if [ -n "$missing" ]; then
    echo "create_tarball.sh: cannot pack, these required files are missing:$missing" >&2
    echo "Restore them from the handout (an unfinished file is fine; a missing one is not)." >&2
    exit 1
fi

list=$(mktemp)
trap 'rm -f "$list"' EXIT
find mytorch hw -type f \( -name '*.py' -o -path hw/answers.md \) ! -path '*/__pycache__/*' | LC_ALL=C sort > "$list"
rm -f handin.tar
tar -cf handin.tar -T "$list"
echo "packed handin.tar with $(wc -l < "$list" | tr -d ' ') files:"
sed 's/^/  /' "$list"
