using System.Text.Json;
using System.Text.Json.Serialization;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;

namespace LatentSynth.Audio.Spectral;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Serializable description of a frame transform (what <see cref="SpectralPipeline"/> saves).</summary>
/// <param name="Kind">"linear", "mel" or "logfreq".</param>
/// <param name="NMels">Mel bands (mel).</param>
/// <param name="FMin">Lowest frequency in Hz (mel: edge, default 0; logfreq: centre, default 32.70 Hz).</param>
/// <param name="FMax">Highest frequency in Hz (default sr / 2).</param>
/// <param name="BinsPerOctave">Filters per octave (logfreq).</param>
/// <param name="Shape">"triangular" or "gaussian" (logfreq).</param>
/// <param name="Inversion">"nnls" or "pinv".</param>
/// <param name="NnlsIterations">NNLS iterations.</param>
public sealed record TransformSettings(string Kind = "mel", int NMels = 128, double? FMin = null, double? FMax = null,
    int BinsPerOctave = 24, string Shape = "triangular", string Inversion = "nnls", int NnlsIterations = 100)
{
    /// <summary>Creates the transform these settings describe.</summary>
    /// <exception cref="ArgumentException">An unknown kind, shape or inversion, or a value out of range.</exception>
    public IFrameTransform Create(StftConfig config)
    {
        var inv = Inversion switch
        {
            "nnls" => FilterbankInversion.Nnls,
            "pinv" => FilterbankInversion.PseudoInverse,
            _ => throw new ArgumentException($"TransformSettings: unknown Inversion \"{Inversion}\"; use \"nnls\" or \"pinv\"", nameof(Inversion)),
        };
        return Kind switch
        {
            "linear" => new LinearTransform(config),
            "mel" => new MelTransform(config, NMels, FMin ?? 0, FMax, inv, NnlsIterations),
            "logfreq" => new LogFrequencyTransform(config, BinsPerOctave, FMin ?? 32.703195662574829, FMax, Shape switch
            {
                "triangular" => LogFilterShape.Triangular,
                "gaussian" => LogFilterShape.Gaussian,
                _ => throw new ArgumentException($"TransformSettings: unknown Shape \"{Shape}\"; use \"triangular\" or \"gaussian\"", nameof(Shape)),
            }, inv, NnlsIterations),
            _ => throw new ArgumentException($"TransformSettings: unknown Kind \"{Kind}\"; use \"linear\", \"mel\" or \"logfreq\"", nameof(Kind)),
        };
    }
}

/// <summary>
/// Signal ↔ model frames: STFT magnitude → transform (linear / mel / log-frequency) → compression →
/// dataset normalization, and back (denormalize, decompress, inverse transform, Griffin-Lim). Saved
/// with a model as a folder holding pipeline.json and (once fitted) normalizer.safetensors.
/// </summary>
public sealed class SpectralPipeline : IDisposable
{
    /// <summary>File name of the settings inside a pipeline folder.</summary>
    public const string SettingsFile = "pipeline.json";

    /// <summary>File name of the normalizer inside a pipeline folder.</summary>
    public const string NormalizerFile = "normalizer.safetensors";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Creates a pipeline (the normalizer, if given, is owned by it).</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public SpectralPipeline(StftConfig stft, TransformSettings transform, Compression compression, FrameNormalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(stft);
        ArgumentNullException.ThrowIfNull(transform);
        ArgumentNullException.ThrowIfNull(compression);
        Stft = stft.Validate();
        Settings = transform;
        Compression = compression.Validate();
        Transform = transform.Create(stft);
        Normalizer = normalizer;
    }

    /// <summary>STFT settings.</summary>
    public StftConfig Stft { get; }

    /// <summary>Transform settings.</summary>
    public TransformSettings Settings { get; }

    /// <summary>The frame transform.</summary>
    public IFrameTransform Transform { get; }

    /// <summary>Compression.</summary>
    public Compression Compression { get; }

    /// <summary>Dataset normalizer (null until fitted or given: frames are then only compressed).</summary>
    public FrameNormalizer? Normalizer { get; private set; }

    /// <summary>Values per frame.</summary>
    public int Bins => Transform.Bins;

    /// <summary>Compressed, un-normalized frames [frames, Bins] of a signal [T].</summary>
    public Tensor Features(Tensor signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (signal.Dim != 1) throw new ArgumentException($"SpectralPipeline: expected a mono signal [T], got [{string.Join(", ", signal.Shape)}]", nameof(signal));
        using var mag = Spectral.Stft.Magnitude(signal, Stft);
        using var t = Transform.Forward(mag);
        return Compression.Forward(t);
    }

    /// <summary>Fits the normalizer on the features of <paramref name="signals"/> (replacing any previous one).</summary>
    public void FitNormalizer(IEnumerable<Tensor> signals, NormalizerMode mode = NormalizerMode.MinMax, bool perBin = false)
    {
        ArgumentNullException.ThrowIfNull(signals);
        var fitted = FrameNormalizer.Fit(Each(signals), mode, perBin);
        Normalizer?.Dispose();
        Normalizer = fitted;
    }

    private IEnumerable<Tensor> Each(IEnumerable<Tensor> signals)
    {
        foreach (var s in signals)
        {
            using var f = Features(s);
            yield return f;
        }
    }

    /// <summary>Normalized frames [frames, Bins] of a signal [T] — the model's inputs.</summary>
    public Tensor Analyze(Tensor signal)
    {
        var f = Features(signal);
        if (Normalizer is null) return f;
        using (f) return Normalizer.Apply(f);
    }

    /// <summary>Linear magnitude [frames, NFft/2+1] from normalized frames [frames, Bins].</summary>
    public Tensor ToMagnitude(Tensor frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        using var scope = Torch.NewScope();
        var c = Normalizer is null ? frames : Normalizer.Invert(frames);
        var t = Compression.Inverse(c);
        return Transform.Inverse(t).MoveToOuterScope();
    }

    /// <summary>Signal from normalized frames [frames, Bins]: inverse pipeline, then (fused) Griffin-Lim.</summary>
    public GriffinLimResult Synthesize(Tensor frames, GriffinLimOptions? options = null)
    {
        using var mag = ToMagnitude(frames);
        return GriffinLim.Reconstruct(mag, Stft, options);
    }

    /// <summary>Writes pipeline.json and (if fitted) normalizer.safetensors into <paramref name="folder"/> (created if needed).</summary>
    public void Save(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        Directory.CreateDirectory(folder);
        var doc = new PipelineDocument(1, Stft, Settings, Compression, Normalizer is not null);
        AtomicFile.WriteAllText(Path.Combine(folder, SettingsFile), JsonSerializer.Serialize(doc, Json));
        Normalizer?.Save(Path.Combine(folder, NormalizerFile));
    }

    /// <summary>Loads a pipeline saved by <see cref="Save"/>.</summary>
    /// <exception cref="FileNotFoundException">pipeline.json (or the normalizer it announces) is missing.</exception>
    /// <exception cref="InvalidDataException">pipeline.json cannot be read.</exception>
    public static SpectralPipeline Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var path = Path.Combine(folder, SettingsFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no spectral pipeline here (expected {SettingsFile})", path);
        PipelineDocument? doc;
        try { doc = JsonSerializer.Deserialize<PipelineDocument>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a valid pipeline file: {e.Message}", e); }
        if (doc is null || doc.Stft is null || doc.Transform is null || doc.Compression is null)
            throw new InvalidDataException($"{path}: incomplete pipeline file (needs stft, transform, compression)");
        FrameNormalizer? norm = null;
        if (doc.Normalized)
        {
            var np = Path.Combine(folder, NormalizerFile);
            if (!File.Exists(np)) throw new FileNotFoundException($"{np}: the pipeline is normalized but its normalizer is missing", np);
            norm = FrameNormalizer.Load(np);
        }
        return new SpectralPipeline(doc.Stft, doc.Transform, doc.Compression, norm);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Transform.Dispose();
        Normalizer?.Dispose();
    }

    private sealed record PipelineDocument(int Version, StftConfig Stft, TransformSettings Transform, Compression Compression, bool Normalized);
}
