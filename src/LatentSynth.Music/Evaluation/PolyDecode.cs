using LatentSynth.Models;
using LatentSynth.Music.Data;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Music.Evaluation;

using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// From a trained polyphonic run (pianotree, pianoroll-vae, midi-event-vae) to notes and back: the one place the poly
/// benchmark (<see cref="PolyBenchmark"/>), the <c>music</c> verbs and the music page decode, reconstruct, sample, interpolate,
/// write MIDI and draw piano rolls of polyphonic segments (2 bars, 32 sixteenth steps).
/// </summary>
public static class PolyDecode
{
    /// <summary>Pixels per semitone of polyphonic rolls: a decoder early in training spreads notes over all 128 pitches.</summary>
    public const int RollPitchHeight = 4;

    /// <summary>The piano-roll options of polyphonic rolls (<see cref="RollPitchHeight"/>), with <paramref name="title"/>.</summary>
    public static PianoRollOptions RollOptions(string? title) => new() { PitchHeight = RollPitchHeight, Title = title };

    /// <summary>A polyphonic piano roll of <paramref name="rows"/> (each a <see cref="PianoRollRow.Poly"/> panel) as PNG bytes.</summary>
    public static byte[] RollPng(IReadOnlyList<PianoRollRow> rows, string? title) => PianoRoll.Render(rows, RollOptions(title)).ToPng();

    /// <summary>The run's model in evaluation mode.</summary>
    /// <exception cref="ArgumentException">The run holds a model that is not a polyphonic one.</exception>
    public static AutoencoderModel LoadModel(string runDir)
    {
        var run = RunFolder.Open(runDir);
        if (!MusicModels.IsPolyModel(run.Config.Model.Model))
            throw new ArgumentException($"'{runDir}' holds model '{run.Config.Model.Model}', not a polyphonic model");
        var model = (AutoencoderModel)run.LoadModel();
        model.Eval();
        return model;
    }

    /// <summary>The first <paramref name="n"/> segments of <paramref name="trees"/> (all when there are fewer).</summary>
    public static Tensor FirstSegments(Tensor trees, int n)
    {
        ArgumentNullException.ThrowIfNull(trees);
        return n < trees.Size(0) ? trees.Narrow(0, 0, n) : trees;
    }

    /// <summary>
    /// The notes of greedy decodes of <paramref name="z"/>, each model by its own route: PianoTree's trees
    /// (<see cref="PianoTreeVaeModel.DecodeTrees"/>) read with durations clipped at the segment end (as the truth is scored);
    /// the baselines' notes as decoded (<see cref="PianoRollVaeModel.DecodeNotes"/>, <see cref="MidiEventVaeModel.DecodeNotes"/>:
    /// inside the segment by construction, and not capped at 16 per step as a tree would cap them).
    /// </summary>
    /// <exception cref="ArgumentException">The model is not a polyphonic one.</exception>
    public static List<PolyNote>[] DecodeNotes(AutoencoderModel model, Tensor z)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        return model switch
        {
            PianoTreeVaeModel pt => NoteF1.TreeNotes(pt.DecodeTrees(z)),
            PianoRollVaeModel roll => roll.DecodeNotes(z),
            MidiEventVaeModel events => events.DecodeNotes(z),
            _ => throw new ArgumentException($"model '{model.Config.Model}' is not a polyphonic model", nameof(model)),
        };
    }

    /// <summary>The greedy reconstructions of <paramref name="x"/> (tree tensors) from μ, as notes clipped at the segment end.</summary>
    public static List<PolyNote>[] ReconstructNotes(AutoencoderModel model, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        return DecodeNotes(model, model.Encode(x));
    }

    /// <summary>
    /// <paramref name="count"/> prior samples decoded greedily: z = <paramref name="temperature"/> · ε with ε ~ N(0, I) drawn from
    /// <paramref name="generator"/> (the temperature scales the latent code, not the decoder's softmax; 1 is the prior itself).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A count below 1, or a temperature that is not above 0 and finite.</exception>
    public static List<PolyNote>[] Sample(AutoencoderModel model, int count, double temperature, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (!(temperature > 0 && double.IsFinite(temperature))) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the temperature must be above 0");
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        return DecodeNotes(model, model.SamplePrior(count, generator) * temperature);
    }

    /// <summary>The posterior means μ of segments <paramref name="x"/> (tree tensors), one float32 row per segment.</summary>
    public static float[][] Means(AutoencoderModel model, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        int n = (int)x.Size(0);
        var mu = model.Encode(x).To(DType.Float32).Contiguous().ToArray<float>();
        int d = mu.Length / n;
        return Enumerable.Range(0, n).Select(i => mu.AsSpan(i * d, d).ToArray()).ToArray();
    }

    /// <summary>
    /// The greedy decodes of the points at <paramref name="alpha"/> on the great circle (slerp,
    /// <see cref="MelodyInterpolation.Lerp"/>) between the codes of each pair, one note list per pair.
    /// </summary>
    public static List<PolyNote>[] Slerp(AutoencoderModel model, IReadOnlyList<(float[] A, float[] B)> pairs, double alpha)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) return [];
        int d = pairs[0].A.Length;
        var z = pairs.SelectMany(p => MelodyInterpolation.Lerp(p.A, p.B, alpha, spherical: true)).ToArray();
        using var scope = Torch.NewScope();
        return DecodeNotes(model, Tensor.From(z, pairs.Count, d));
    }

    /// <summary>Tree values (3,072 per segment) of note lists, for MIDI (<see cref="PolyData.WriteMidi"/>).</summary>
    public static float[] TreeValues(IReadOnlyList<IReadOnlyList<PolyNote>> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        using var scope = Torch.NewScope();
        return BaselineTreeCodec.Tree(segments).Contiguous().ToArray<float>();
    }

    /// <summary>Writes segments one after the other (32 steps each, 4/4 at 120 quarter notes per minute) as a MIDI file.</summary>
    public static void WriteMidi(string path, IReadOnlyList<IReadOnlyList<PolyNote>> segments) => PolyData.WriteMidi(path, TreeValues(segments));
}
