using System.Globalization;
using System.Text;
using LatentSynth.Audio.Descriptors;
using LatentSynth.Audio.IO;
using LatentSynth.Audio.Notes;
using LatentSynth.Audio.Paths;
using LatentSynth.Audio.Spectral;
using LatentSynth.Audio.Synthesis;
using LatentSynth.Evaluation.Benchmark;
using LatentSynth.Evaluation.Imaging;
using LatentSynth.Evaluation.Plots;
using LatentSynth.Evaluation.Report;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;
using LatentSynth.Training;

namespace LatentSynth.Audio.Evaluation;

using Torch = LatentSynth.Torch.Torch;

public sealed partial class AudioBenchmark
{
    /// <summary>The descriptors correlated with the latent dimensions, in table order.</summary>
    public static readonly IReadOnlyList<string> CorrelatedDescriptors = ["centroid", "bandwidth", "flatness", "rolloff", "rms"];

    private BenchmarkReport BuildReport(BenchmarkMatrix matrix, AudioBenchmarkOptions options, string outDir, List<RunMetrics> results)
    {
        var variants = new List<VariantReport>();
        IReadOnlyList<string>? classNames = null;
        double scPipe = double.NaN, lsdPipe = double.NaN;
        foreach (var v in matrix.Variants)
        {
            var runs = results.Where(r => r.Variant == v.Name).OrderBy(r => r.Seed).ToList();
            var first = runs[0];
            var dir = BenchmarkRunner.RunDir(outDir, v.Name, first.Seed);
            scPipe = first.Values.GetValueOrDefault("sc_pipeline", double.NaN);
            lsdPipe = first.Values.GetValueOrDefault("lsd_pipeline", double.NaN);
            var curves = new Dictionary<string, IReadOnlyList<(double, double)>>();
            var rows = new MetricsLog(dir).ReadCsv();
            foreach (var col in rows.SelectMany(r => r.Keys).Distinct().Where(c => c.StartsWith("train_", StringComparison.Ordinal) || c.StartsWith("val_", StringComparison.Ordinal)))
                curves[col] = rows.Where(r => r.ContainsKey(col)).Select(r => (r["epoch"], r[col])).ToList();
            log($"report: sounds and figures of {v.Name} (seed {first.Seed})");
            var assets = Assets(dir, options, first.Seed);
            classNames ??= assets.Instruments;
            variants.Add(new VariantReport
            {
                Name = v.Name,
                ConfigSummary = $"{v.Summary}; seeds {string.Join(", ", runs.Select(r => r.Seed))}; train {F(runs.Average(r => r.TrainSeconds), "0.0")} s, eval {F(runs.Average(r => r.EvalSeconds), "0.0")} s per run",
                Metrics = BenchmarkRunner.Aggregate(runs.Select(r => (IReadOnlyDictionary<string, double>)r.Values
                    .Where(kv => Info.ContainsKey(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value))),
                Curves = curves,
                Images = assets.Images,
                Audio = assets.Audio,
                LatentMap = assets.Maps.FirstOrDefault(),
                ExtraLatentMaps = assets.Maps.Skip(1).ToList(),
                Figures = assets.Figures,
                Family = v.Model["model"]?.GetValue<string>() ?? "",
                Objective = v.Model["recon"]?.GetValue<string>() ?? "bce",
            });
        }
        return new BenchmarkReport
        {
            Title = $"LatentSynth audio benchmark: {SetName(options.Notes)}",
            // The note set's folder name, not its path: a report is shared and must not carry this machine's layout.
            Dataset = $"note set '{SetName(options.Notes)}'",
            ClassNames = classNames,
            Variants = variants,
            MetricInfo = Info,
            Notes =
            [
                $"Evaluated on the test notes (whole notes; the same split, seed {SplitSeed}, for every variant and seed), {matrix.Training.Epochs} epoch(s), Griffin-Lim {options.GriffinLimIterations} iterations (momentum 0.99, seeded).",
                "Which is which: *_model columns compare the magnitude the decoded frames stand for (inverse normalization, compression and frame transform) with the note's STFT magnitude — the model's error alone, no phase; *_gl columns compare the STFT magnitude of the Griffin-Lim resynthesis with the note's — model plus phase reconstruction, what one hears.",
                $"Floor of the spectral pipeline alone (the note's own frames, not through any model, back to a magnitude): spectral convergence {ReportTable.Format(scPipe)}, log-spectral distance {ReportTable.Format(lsdPipe)} dB. No model can do better than this on *_model.",
                "Descriptor errors: per note, the energy-weighted mean over frames of each descriptor (librosa 0.10 definitions, computed on libtorch) for the note and for its resynthesis; the column is the mean absolute difference over test notes. latent_mmd: the codes of every test frame (at most 2000, evenly spread) against as many prior draws.",
            ],
        };
    }

    private sealed record VariantAssets(IReadOnlyList<string> Instruments, Dictionary<string, byte[]> Audio, Dictionary<string, byte[]> Images,
        List<LatentMap> Maps, List<ReportFigure> Figures);

    /// <summary>Sounds, spectrograms, maps and descriptor figures of one run.</summary>
    private static VariantAssets Assets(string runDir, AudioBenchmarkOptions options, long seed)
    {
        using var model = AudioModel.Open(runDir);
        using var scope = Torch.NewScope();
        var (set, _, test) = model.Notes();
        var stft = model.Pipeline.Stft;
        var gl = new GriffinLimOptions { Iterations = options.GriffinLimIterations, Seed = (ulong)seed };
        var audio = new Dictionary<string, byte[]>();
        var images = new Dictionary<string, byte[]>();
        var figures = new List<ReportFigure>();
        var instruments = model.Instruments;

        // Per test note: its code, clip summary, and per-frame codes and descriptors (loud frames).
        var noteCodes = model.NoteCodes(set, test);
        var realCentroid = new List<double>();
        var realRms = new List<double>();
        var frameCodes = new List<float[]>();
        var frameDesc = CorrelatedDescriptors.Select(_ => new List<double>()).ToArray();
        foreach (var note in test)
        {
            using var s = Torch.NewScope();
            var reference = ReferenceMagnitude(model, set.Read(note));
            using var desc = SpectralDescriptors.Compute(reference.Magnitude, stft);
            var summary = desc.Summarize(energyWeighted: true);
            realCentroid.Add(summary.Centroid);
            realRms.Add(summary.Rms);
            var path = model.EncodeFrames(model.Pipeline.Analyze(reference.Signal));
            var loud = desc.LoudnessDb.ToArray<float>();
            float top = loud.Max();
            var arrays = new[] { desc.Centroid, desc.Bandwidth, desc.Flatness, desc.Rolloff, desc.Rms }.Select(t => t.ToArray<float>()).ToArray();
            var p = path.Contiguous().ToArray<float>();
            int d = model.LatentDim;
            long frames = Math.Min(path.Size(0), loud.Length);
            for (int t = 0; t < frames; t++)
            {
                if (loud[t] < top - 30) continue; // frames within 30 dB of the note's loudest
                frameCodes.Add(p.AsSpan(t * d, d).ToArray());
                for (int k = 0; k < arrays.Length; k++) frameDesc[k].Add(arrays[k][t]);
            }
        }

        // Sounds: two or three notes of different instruments, original and reconstruction.
        var picks = PickNotes(test, 3);
        foreach (var note in picks)
        {
            var clip = set.Read(note);
            var reference = ReferenceMagnitude(model, clip);
            var frames = model.Pipeline.Analyze(reference.Signal);
            var sound = model.Reconstruct(new AudioClip(reference.Signal.ToArray<float>(), model.SampleRate), gl);
            audio[$"original: {note.Instrument} {note.NoteName} {note.Dynamics}"] = Wav(new AudioClip(reference.Signal.ToArray<float>(), model.SampleRate));
            audio[$"reconstruction: {note.Instrument} {note.NoteName} {note.Dynamics}"] = Wav(sound.Clip);
            images[$"spectrogram {note.Instrument} {note.NoteName}: original | reconstruction"] = AudioPictures.Spectrogram([frames, sound.Frames]);
        }

        // Generated paths: morph, circle, spiral, geodesic over the PCA plane of the test notes' codes.
        var projection = model.LatentDim >= 2 && test.Count >= 2 ? LatentProjection.FromPca(noteCodes) : LatentProjection.FromDims(Math.Max(2, model.LatentDim), 0, 1);
        var plane = (projection.AxisX.Select(x => (float)x).ToArray(), projection.AxisY.Select(x => (float)x).ToArray());
        var center = noteCodes.Mean(0).ToArray<float>();
        var series = new List<PathPlotSeries>();
        if (picks.Count >= 2)
        {
            var (a, b) = MorphPair(picks);
            var fromPath = model.Encode(set.Read(a));
            var toPath = model.Encode(set.Read(b));
            AddPath($"morph {a.Instrument} → {b.Instrument}", new PathSpec { Kind = PathKind.Morph, Seconds = options.PathSeconds, FromPath = fromPath, ToPath = toPath });
            AddPath($"geodesic {a.Instrument} → {b.Instrument}", new PathSpec
            {
                Kind = PathKind.Geodesic, Seconds = options.PathSeconds, From = model.NoteCode(set.Read(a)), To = model.NoteCode(set.Read(b)),
                GeodesicIterations = options.GeodesicIterations, Seed = seed,
            });
        }
        AddPath("circle", new PathSpec { Kind = PathKind.Circle, Seconds = options.PathSeconds, Radius = 1.5 });
        AddPath("spiral", new PathSpec { Kind = PathKind.Spiral, Seconds = options.PathSeconds, Radius = 1.5, Turns = 2 });
        var instrumentLabels = test.Select(n => Math.Max(0, instruments.ToList().IndexOf(n.Instrument))).ToList();
        var pathPlot = PathPlot.Render(projection, series, new PathPlotBackground(noteCodes, instrumentLabels, instruments),
            new ChartOptions { Title = "generated paths over the test notes (one point per note)", Width = 620, Height = 480 });
        figures.Add(new ReportFigure("The generated paths (heard above) drawn over the PCA plane of the test notes' codes (one point per note, coloured by instrument). Circle and spiral lie in this plane around the notes' mean code; the morph blends two notes' own paths; the geodesic minimises the curve energy through the decoder (Shao et al. 2017).", Svg: pathPlot.Svg));

        // Latent maps of the test notes' codes, coloured by instrument, family, octave, dynamics.
        var maps = new List<LatentMap>();
        if (test.Count >= 2)
        {
            var flat = noteCodes.To(DType.Float64).Contiguous().ToArray<double>();
            var pca = Pca.Fit(flat, test.Count, model.LatentDim, Math.Min(2, model.LatentDim));
            LatentMap Map(string by, Func<NoteInfo, string> key, IComparer<string>? order = null)
            {
                var names = test.Select(key).Distinct().Order(order ?? StringComparer.Ordinal).ToList();
                return LatentMap.FromPca(pca, test.Select(n => names.IndexOf(key(n))).ToList()) with { ClassNames = names, ColouredBy = by };
            }
            maps.Add(LatentMap.FromPca(pca, instrumentLabels) with { ClassNames = instruments, ColouredBy = "instrument" });
            maps.Add(Map("family", n => n.Family));
            maps.Add(Map("pitch (octave)", n => $"octave {n.Pitch / 12 - 1}", Comparer<string>.Create((x, y) => int.Parse(x[7..], CultureInfo.InvariantCulture).CompareTo(int.Parse(y[7..], CultureInfo.InvariantCulture)))));
            maps.Add(Map("dynamics", n => n.Dynamics, Comparer<string>.Create((x, y) => DynamicsRank(x).CompareTo(DynamicsRank(y)))));
        }

        // Descriptor topology: centroid and RMS of the decoded frame over a grid on the PCA plane.
        {
            var pts = projection.Project(noteCodes);
            double x0 = pts.Min(p => p.X), x1 = pts.Max(p => p.X), y0 = pts.Min(p => p.Y), y1 = pts.Max(p => p.Y);
            double mx = 0.15 * Math.Max(x1 - x0, 1e-3), my = 0.15 * Math.Max(y1 - y0, 1e-3);
            x0 -= mx; x1 += mx; y0 -= my; y1 += my;
            int g = options.TopologyGrid;
            var grid = new List<Tensor>();
            for (int r = 0; r < g; r++)
                for (int c = 0; c < g; c++)
                    grid.Add(projection.Unproject(x0 + (c + 0.5) * (x1 - x0) / g, y0 + (r + 0.5) * (y1 - y0) / g));
            var z = Torch.Stack(grid, 0);
            var mag = model.Pipeline.ToMagnitude(model.DecodePath(z));
            using var desc = SpectralDescriptors.Compute(mag, stft);
            foreach (var (name, tensor, unit) in new[] { ("spectral centroid", desc.Centroid, "Hz"), ("RMS", desc.Rms, "") })
            {
                var v = tensor.To(DType.Float64).Contiguous().ToArray<double>();
                var rowsArr = Enumerable.Range(0, g).Select(r => v.AsSpan(r * g, g).ToArray()).ToArray();
                double lo = v.Where(double.IsFinite).DefaultIfEmpty(0).Min(), hi = v.Where(double.IsFinite).DefaultIfEmpty(0).Max();
                figures.Add(new ReportFigure(
                    $"Descriptor topology: the {name} of the frame decoded at each point of a {g}×{g} grid on the PCA plane of the test notes' codes " +
                    $"(x: {projection.XLabel} from {F(x0, "0.00")} to {F(x1, "0.00")}, left to right; y: {projection.YLabel} from {F(y0, "0.00")} to {F(y1, "0.00")}, bottom to top; " +
                    $"the notes span the inner 77 %). Colour (ocean ramp): dark = {ReportTable.Format(lo)} {unit}, bright = {ReportTable.Format(hi)} {unit}.",
                    Png: Heatmap.Png(rowsArr, Colormap.Ocean, lo, hi, scale: Math.Clamp(256 / g, 1, 16))));
            }
        }

        // Correlation of each latent dimension with each descriptor over the test frames.
        if (frameCodes.Count >= 3)
        {
            int d = model.LatentDim;
            var corr = new double[d][];
            for (int j = 0; j < d; j++)
            {
                var zj = frameCodes.Select(f => (double)f[j]).ToList();
                corr[j] = frameDesc.Select(ds => AudioMetrics.Correlation(zj, ds)).ToArray();
            }
            figures.Add(new ReportFigure(
                $"Pearson correlation of each latent dimension (rows) with each descriptor (columns) over the {frameCodes.Count} loud test frames " +
                "(within 30 dB of their note's loudest frame; codes are posterior means). Blue −1, white 0, red +1; n/a where a dimension is constant. " +
                "A disentangled, descriptive space has a few strong cells per column.",
                Svg: CorrelationSvg(corr, CorrelatedDescriptors)));
        }

        // Descriptor distributions: test notes vs notes drawn from the prior (one decoded frame each).
        {
            int n = Math.Max(64, test.Count);
            using var gen = new Generator((ulong)seed + 7);
            var z = model.SamplePrior(n, gen);
            var mag = model.Pipeline.ToMagnitude(model.DecodePath(z));
            using var desc = SpectralDescriptors.Compute(mag, stft);
            var genCentroid = desc.Centroid.To(DType.Float64).ToArray<double>();
            var genRms = desc.Rms.To(DType.Float64).ToArray<double>();
            figures.Add(new ReportFigure(
                $"Distribution of the spectral centroid: the {test.Count} test notes (energy-weighted mean over the note's frames) against {n} prior draws (the frame each decodes to); " +
                "share of notes per bin, bins equal in log-frequency. Close curves: the prior generates the brightness range of real notes.",
                Svg: Charts.Line(Histogram(realCentroid, genCentroid, log: true), new ChartOptions { XLabel = "spectral centroid (Hz)", YLabel = "share of notes", Title = "centroid: real vs generated" })));
            figures.Add(new ReportFigure(
                $"Distribution of the RMS level: the test notes against {n} prior draws; share per bin.",
                Svg: Charts.Line(Histogram(realRms, genRms, log: false), new ChartOptions { XLabel = "RMS (full scale 1)", YLabel = "share of notes", Title = "RMS: real vs generated" })));
        }
        SaveSounds(runDir, audio);
        return new VariantAssets(instruments, audio, images, maps, figures);

        void AddPath(string name, PathSpec spec)
        {
            var path = PathRecipe.Build(model, spec, center, plane);
            var sound = model.Synthesize(path, gl);
            audio[name] = Wav(sound.Clip);
            images[$"spectrogram {name}"] = AudioPictures.Spectrogram([sound.Frames]);
            series.Add(new PathPlotSeries(name, path));
        }
    }

    private static int DynamicsRank(string d) => d switch { "ppp" => 0, "pp" => 1, "p" => 2, "mp" => 3, "mf" => 4, "f" => 5, "ff" => 6, "fff" => 7, _ => 8 };

    /// <summary>Up to <paramref name="count"/> test notes of different instruments (flute and violin first when
    /// present), each the one nearest G4 in pitch.</summary>
    private static List<NoteInfo> PickNotes(IReadOnlyList<NoteInfo> test, int count)
    {
        var byInstrument = test.GroupBy(n => n.Instrument).ToDictionary(g => g.Key, g => g.ToList());
        var order = new[] { "flute", "violin" }.Where(byInstrument.ContainsKey)
            .Concat(byInstrument.Keys.Where(k => k is not ("flute" or "violin")).Order(StringComparer.Ordinal)).Take(count);
        return order.Select(i => byInstrument[i].OrderBy(n => Math.Abs(n.Pitch - 67)).ThenBy(n => n.Id, StringComparer.Ordinal).First()).ToList();
    }

    private static (NoteInfo A, NoteInfo B) MorphPair(List<NoteInfo> picks) => (picks[0], picks[1]);

    private static List<LineSeries> Histogram(IReadOnlyList<double> real, IReadOnlyList<double> generated, bool log)
    {
        var all = real.Concat(generated).Where(v => double.IsFinite(v) && (!log || v > 0)).ToList();
        if (all.Count == 0) return [new LineSeries("test notes", [(0, 0)]), new LineSeries("prior samples", [(0, 0)])];
        double T(double v) => log ? Math.Log(v) : v;
        double lo = T(all.Min()), hi = T(all.Max());
        if (!(hi > lo)) hi = lo + 1;
        const int bins = 16;
        LineSeries S(string name, IReadOnlyList<double> xs)
        {
            var counts = new double[bins];
            int total = 0;
            foreach (var v in xs)
            {
                if (!double.IsFinite(v) || (log && v <= 0)) continue;
                counts[Math.Clamp((int)((T(v) - lo) / (hi - lo) * bins), 0, bins - 1)]++;
                total++;
            }
            return new LineSeries(name, Enumerable.Range(0, bins).Select(b =>
            {
                double c = lo + (b + 0.5) * (hi - lo) / bins;
                return (log ? Math.Exp(c) : c, total > 0 ? counts[b] / total : 0);
            }).ToList());
        }
        return [S("test notes", real), S("prior samples", generated)];
    }

    /// <summary>A small SVG table: rows = latent dimensions, columns = descriptors, cells coloured by r.</summary>
    private static string CorrelationSvg(double[][] corr, IReadOnlyList<string> columns)
    {
        const int cw = 78, ch = 22, left = 48, top = 26;
        int w = left + cw * columns.Count + 4, h = top + ch * corr.Length + 4;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">");
        for (int c = 0; c < columns.Count; c++)
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + c * cw + cw / 2}\" y=\"{top - 8}\" text-anchor=\"middle\">{columns[c]}</text>");
        for (int r = 0; r < corr.Length; r++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + r * ch + 15}\" text-anchor=\"end\">z[{r}]</text>");
            for (int c = 0; c < columns.Count; c++)
            {
                double v = corr[r][c];
                string fill = double.IsFinite(v) ? Colormap.Diverging.Hex((v + 1) / 2) : "#bbbbbb";
                string text = double.IsFinite(v) ? v.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
                sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left + c * cw}\" y=\"{top + r * ch}\" width=\"{cw - 2}\" height=\"{ch - 2}\" fill=\"{fill}\"/>");
                sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + c * cw + cw / 2 - 1}\" y=\"{top + r * ch + 15}\" text-anchor=\"middle\">{text}</text>");
            }
        }
        return sb.Append("</svg>").ToString();
    }

    /// <summary>The name of a note-set folder (its last path component).</summary>
    private static string SetName(string notes) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(notes)));

    /// <summary>The folder inside a run where the report's sounds are also kept as WAV files.</summary>
    public const string SoundsFolder = "sounds";

    /// <summary>Writes each sound of the report as <c>RUN/sounds/&lt;name&gt;.wav</c> (the name made file-safe),
    /// so they can be played and shared outside the page.</summary>
    private static void SaveSounds(string runDir, IReadOnlyDictionary<string, byte[]> audio)
    {
        var dir = Path.Combine(runDir, SoundsFolder);
        Directory.CreateDirectory(dir);
        foreach (var (name, wav) in audio)
        {
            var safe = new string(name.Replace("#", "sharp", StringComparison.Ordinal).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray()).Trim('-');
            while (safe.Contains("--", StringComparison.Ordinal)) safe = safe.Replace("--", "-", StringComparison.Ordinal);
            AtomicFile.WriteAllBytes(Path.Combine(dir, safe + ".wav"), wav);
        }
    }

    /// <summary>A clip as the bytes of a 16-bit WAV file (written by libsndfile to a temporary file).</summary>
    public static byte[] Wav(AudioClip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        var tmp = Path.Combine(Path.GetTempPath(), $"latentsynth-{Guid.NewGuid():N}.wav");
        try
        {
            AudioFile.WriteWav(tmp, clip, WavSampleFormat.Pcm16);
            return File.ReadAllBytes(tmp);
        }
        finally
        {
            try { File.Delete(tmp); } catch (IOException) { } // best effort: a temp file
        }
    }
}
