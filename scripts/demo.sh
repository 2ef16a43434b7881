#!/usr/bin/env bash
# The main job behind `make demo`:
# 1. Images: fetch Fashion-MNIST, train a VAE and a WAE-MMD (MLP, 20-D latent), evaluate them on the
#    test set, and draw samples, reconstructions, interpolations and traversals (runs/demo/<model>/).
# 2. Sound: render the orchestral note set with FluidSynth (cached), train a frame β-VAE and a WAE-MMD
#    on its mf notes, and write the audio report: reconstructions, an instrument morph, a circle, a
#    spiral and a geodesic as WAV files and in an HTML page (runs/demo/audio/).
# 3. Symbolic music, when the Nottingham melodies are found: a short 2-bar MusicVAE, then sampled
#    melodies, reconstructions and an interpolation as MIDI, WAV and piano rolls (runs/demo/music/).
# Then print the `latentsynth serve` line to play the trained model in the browser.
# Environment: DEMO_EPOCHS (default 10), DEMO_AUDIO_EPOCHS (default 20), DEMO_OUT (default runs/demo),
# DEMO_SKIP_AUDIO=1 for the image part only; DEMO_MUSIC_EPOCHS (default 3), DEMO_SKIP_MUSIC=1. Every step is resumable: a rerun reuses what is done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
epochs=${DEMO_EPOCHS:-10}
out=${DEMO_OUT:-runs/demo}
ls=./latentsynth

# train_or_resume NAME RUN EPOCHS TRAIN-ARGS…: reuse a finished run, resume an interrupted one
# (its latest checkpoint is not the last epoch), or train from scratch.
train_or_resume() {
  local name=$1 run=$2 epochs=$3; shift 3
  local latest
  latest=$(cat "$run/checkpoints/latest" 2>/dev/null || true)
  if [[ "$latest" == "epoch-$epochs" ]] && grep -q "\"epochs\": $epochs" "$run/run.json"; then
    echo "== $name: already trained in $run (delete the folder to train again)"
  elif [[ -n "$latest" ]] && grep -q "\"epochs\": $epochs" "$run/run.json"; then
    echo "== $name: continuing the interrupted run in $run from $latest"
    "$ls" train --resume "$run"
  else
    echo "== training $name for $epochs epochs"
    rm -rf "$run"
    "$ls" train "$@" --epochs "$epochs" --out "$run"
  fi
}

"$ls" data fetch fashion-mnist
for model in vae wae-mmd; do
  run="$out/$model"
  train_or_resume "$model" "$run" "$epochs" --data fashion-mnist --model "$model" --arch mlp --latent-dim 20 --hidden 400 \
    --batch-size 128 --lr 1e-3 --seed 0
  "$ls" eval "$run"
  "$ls" sample "$run" --n 64 --png "$run/samples.png"
  "$ls" reconstruct "$run" --n 16 --png "$run/reconstructions.png"
  "$ls" interpolate "$run" --steps 10 --png "$run/interpolations.png"
  "$ls" traverse "$run" --range 3 --steps 9 --png "$run/traversals.png"
done

if [[ "${DEMO_SKIP_AUDIO:-0}" != 1 ]]; then
  audio_epochs=${DEMO_AUDIO_EPOCHS:-20}
  notes="$out/notes"
  echo "== rendering the orchestral note set (cached after the first time)"
  "$ls" audio render-notes --out "$notes"
  echo "== audio: frame β-VAE and WAE-MMD on the mf notes, $audio_epochs epochs each, then the audio report"
  "$ls" audio benchmark --notes "$notes" --out "$out/audio" --config scripts/demo-audio-matrix.json \
    --dynamics mf --epochs "$audio_epochs"
fi

music_ok=0
if [[ "${DEMO_SKIP_MUSIC:-0}" != 1 ]]; then
  music_epochs=${DEMO_MUSIC_EPOCHS:-3}
  run="$out/music"
  mkdir -p "$out"
  # The melodies are found in the cache, in ../shared/datasets/nottingham, or downloaded; when none
  # works, one line says so and the demo goes on without them.
  if "$ls" music data info nottingham > "$out/music-data.txt" 2>&1; then
    music_ok=1
    echo "== music: a 2-bar MusicVAE on 2,048 Nottingham melody windows (short: a demo, not a result)"
    train_or_resume "MusicVAE" "$run" "$music_epochs" --data nottingham --model musicvae --limit-train 2048 --limit-test 512 \
      --batch-size 64 --seed 0
    "$ls" eval "$run"
    "$ls" music sample "$run" --n 8 --out "$run/samples" --force
    "$ls" music reconstruct "$run" --n 4 --out "$run/reconstructions" --force
    "$ls" music interpolate "$run" --steps 7 --out "$run/interpolation" --force
  else
    echo "== music skipped: $(grep -m1 'error' "$out/music-data.txt" || tail -n 1 "$out/music-data.txt")"
  fi
fi

echo
echo "Results:"
for model in vae wae-mmd; do
  echo "  $out/$model/: samples.png reconstructions.png interpolations.png traversals.png metrics.csv run.json"
done
if [[ "$music_ok" == 1 ]]; then
  echo "  $out/music/: samples/, reconstructions/, interpolation/ (MIDI, WAV, piano-roll PNG); $out/music-data.txt"
fi
if [[ "${DEMO_SKIP_AUDIO:-0}" != 1 ]]; then
  echo "  $notes/: the rendered note set (WAV per note, notes.csv)"
  echo "  $out/audio/report.html (open in a browser: sounds, spectrograms, latent maps), $out/audio/summary.md"
  echo "  $out/audio/runs/<model>-s0/sounds/: reconstructions, morph, circle, spiral, geodesic as WAV files"
  echo
  echo "Play the latent synthesizer in your browser:"
  echo "  ./latentsynth serve $out/audio/runs/beta-vae-s0"
fi
