#!/usr/bin/env bash
# The main job behind `make demo`: fetch Fashion-MNIST, train a VAE and a WAE-MMD (MLP, 20-D latent),
# evaluate them on the test set, and draw samples, reconstructions, interpolations and traversals.
# About 2-3 minutes on a 2-core machine. Results: runs/demo/<model>/.
# Environment: DEMO_EPOCHS (default 10), DEMO_OUT (default runs/demo).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
epochs=${DEMO_EPOCHS:-10}
out=${DEMO_OUT:-runs/demo}
ls=./latentsynth

"$ls" data fetch fashion-mnist
for model in vae wae-mmd; do
  run="$out/$model"
  latest=$(cat "$run/checkpoints/latest" 2>/dev/null || true)
  if [[ "$latest" == "epoch-$epochs" ]] && grep -q "\"epochs\": $epochs" "$run/run.json"; then
    echo "== $model: already trained in $run (delete the folder to train again)"
  elif [[ -n "$latest" ]] && grep -q "\"epochs\": $epochs" "$run/run.json"; then
    echo "== $model: continuing the interrupted run in $run from $latest"
    "$ls" train --resume "$run"
  else
    echo "== training $model for $epochs epochs"
    rm -rf "$run"
    "$ls" train --data fashion-mnist --model "$model" --arch mlp --latent-dim 20 --hidden 400 \
      --epochs "$epochs" --batch-size 128 --lr 1e-3 --seed 0 --out "$run"
  fi
  "$ls" eval "$run"
  "$ls" sample "$run" --n 64 --png "$run/samples.png"
  "$ls" reconstruct "$run" --n 16 --png "$run/reconstructions.png"
  "$ls" interpolate "$run" --steps 10 --png "$run/interpolations.png"
  "$ls" traverse "$run" --range 3 --steps 9 --png "$run/traversals.png"
done
echo
echo "Results:"
for model in vae wae-mmd; do
  echo "  $out/$model/: samples.png reconstructions.png interpolations.png traversals.png metrics.csv run.json"
done
