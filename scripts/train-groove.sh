#!/usr/bin/env bash
# Trains the PatternGenerator (the guide's 512-unit LSTMs) on the Groove MIDI Dataset and keeps the
# log and the report next to the model files (docs/training.md, "PatternGenerator on Groove MIDI").
#
#   scripts/train-groove.sh [GROOVE_DIR] [OUT_DIR]
#   environment: EPOCHS (150, the guide's), BUDGET_MINUTES (0 = no limit), THREADS (1), SEED (1),
#                ECHOELML_BIN (./build/src/cli/echoelml)
#
# With a time budget the run is stopped with SIGTERM when it is used up; the checkpoint of the last
# finished epoch is valid, and a second call with --resume and --epochs = the epochs done writes the
# model, metrics and validation files of the best weights so far. Rerunning the script resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ECHOELML_BIN:-./build/src/cli/echoelml}
groove=${1:-../shared/data/groove-midi}
out=${2:-groove-models}
epochs=${EPOCHS:-150}
budget=${BUDGET_MINUTES:-0}
mkdir -p "$out"
log="$out/train.log"
args=(train --groove "$groove" --output-dir "$out" --models pattern --threads "${THREADS:-1}" --seed "${SEED:-1}")
resume=()
[ -f "$out/PatternGenerator.pt" ] && resume=(--resume)

rc=0
if [ "$budget" -gt 0 ]; then
  timeout --signal=TERM "${budget}m" "$bin" "${args[@]}" --epochs "$epochs" "${resume[@]}" \
    >"$out/report.txt" 2>"$log" || rc=$?
else
  "$bin" "${args[@]}" --epochs "$epochs" "${resume[@]}" >"$out/report.txt" 2>"$log" || rc=$?
fi
if [ "$rc" -eq 124 ]; then
  done_epochs=$(grep -o 'PatternGenerator epoch [0-9]*/' "$log" | tail -1 | tr -dc 0-9)
  [ -n "$done_epochs" ] || { echo "train-groove: the budget ended before the first epoch" >&2; exit 1; }
  echo "train-groove: time budget reached after $done_epochs epochs; writing the best weights so far" >&2
  "$bin" "${args[@]}" --epochs "$done_epochs" --resume >"$out/report.txt" 2>>"$log"
elif [ "$rc" -ne 0 ]; then
  cat "$log" >&2
  exit "$rc"
fi
cat "$out/report.txt"
