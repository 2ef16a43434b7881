namespace LatentSynth.Music.Models;

/// <summary>
/// Settings of "musicvae", the flat 2-bar melody model. Defaults follow Magenta's <c>cat-mel_2bar_small</c>
/// (<c>free_bits=0</c>, <c>max_beta=0.2</c>, <c>beta_rate=0.99999</c>, <c>sampling_schedule='inverse_sigmoid'</c>,
/// <c>sampling_rate=1000</c>, <c>dec_rnn_size=[256, 256]</c>) with smaller sizes for CPU training:
/// <list type="bullet">
/// <item>encoder 2×256 per direction (paper/Magenta: one layer of 512 in the small model, 2048 in the big one),
/// deeper and narrower so that it costs a quarter of the small model's recurrent weights;</item>
/// <item>decoder 2×256 (as the small model; the big one has 3×2048);</item>
/// <item>z of 64 (Magenta: 256 small, 512 big): two bars of Nottingham melodies carry far less than 256 dimensions'
/// worth of information, and a smaller z keeps the dense layers from z cheap.</item>
/// </list>
/// Input: [32] tokens (2 bars of 16 steps); any length T ≥ 2 works.
/// </summary>
public sealed record MusicVaeConfig : MelodyVaeConfig;
