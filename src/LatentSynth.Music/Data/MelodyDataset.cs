using System.Diagnostics;
using LatentSynth.Data;
using LatentSynth.Torch;

namespace LatentSynth.Music.Data;

/// <summary>Which grid and vocabulary a melody dataset uses.</summary>
public enum MelodyRepresentation
{
    /// <summary>MusicVAE's: the 16th grid (16 steps per 4/4 bar), <see cref="MelodyTokens"/> (90 tokens).</summary>
    Melody16,

    /// <summary>Score inpainting's: the 24-step grid (16ths and triplets, <see cref="BeatGrid.SixteenthsAndTriplets"/>), <see cref="InpaintTokens"/> (130 tokens).</summary>
    Inpaint24,
}

/// <summary>How a folder of MIDI files becomes a melody dataset.</summary>
public sealed record MelodyDataOptions
{
    /// <summary>Window length in 16-step units (bars): 2 for the flat MusicVAE, 16 for the hierarchical one.</summary>
    public int Bars { get; init; } = 2;

    /// <summary>Hop between window starts, in units.</summary>
    public int HopBars { get; init; } = 1;

    /// <summary>
    /// Transposition augmentation of the training windows: every shift in −N..+N semitones that keeps
    /// all pitches in MIDI 21–108 is added (0: none). Test windows are never transposed.
    /// </summary>
    public int Transpose { get; init; }

    /// <summary>Fraction of the tunes held out as the test split.</summary>
    public double TestFraction { get; init; } = 0.1;

    /// <summary>Seed of the split by tune (fixed by default, so every run splits alike).</summary>
    public ulong Seed { get; init; } = 9010;

    /// <summary>Grid settings (tolerance for notes off the 16th grid).</summary>
    public GridOptions Grid { get; init; } = GridOptions.Default;

    /// <summary>Whether MIDI files in sub-folders are read too (default: the folder itself only).</summary>
    public bool Recursive { get; init; }

    /// <summary>Grid and vocabulary (default MusicVAE's).</summary>
    public MelodyRepresentation Representation { get; init; } = MelodyRepresentation.Melody16;

    /// <summary>
    /// Whether windows without any note-on are kept (default: dropped and counted). The single-bar
    /// inpainting set keeps them: all-rest bars and bars held over from the previous one occur inside
    /// the 16-bar windows the bar VAEs must encode.
    /// </summary>
    public bool KeepWindowsWithoutOnset { get; init; }

    /// <summary>Steps per unit (4/4 bar or pair of 2/4 bars): 16, or 24 for <see cref="MelodyRepresentation.Inpaint24"/>.</summary>
    public int StepsPerBar => Representation == MelodyRepresentation.Inpaint24 ? InpaintTokens.StepsPerBar : MelodyTokens.StepsPerBar;

    /// <summary>Vocabulary size: 90, or 130 for <see cref="MelodyRepresentation.Inpaint24"/>.</summary>
    public int VocabularySize => Representation == MelodyRepresentation.Inpaint24 ? InpaintTokens.Count : MelodyTokens.Count;

    /// <summary>Whether a token is a note-on in this representation.</summary>
    public bool IsOnset(int token) => Representation == MelodyRepresentation.Inpaint24 ? InpaintTokens.IsOnset(token) : token >= MelodyTokens.FirstPitch;

    /// <summary>The MIDI pitch of a note-on token in this representation, or null.</summary>
    public int? PitchOf(int token) => Representation == MelodyRepresentation.Inpaint24
        ? (InpaintTokens.IsOnset(token) ? token : null)
        : MelodyTokens.PitchOf(token);

    /// <summary>What a token means in this representation ("note-on C4", "hold", …).</summary>
    public string Meaning(int token) => Representation == MelodyRepresentation.Inpaint24 ? InpaintTokens.Meaning(token) : token switch
    {
        MelodyTokens.NoEvent => "no event (hold)",
        MelodyTokens.NoteOff => "note-off (rest)",
        _ => $"note-on {MelodyTokens.PitchName(MelodyTokens.PitchOf(token)!.Value)}",
    };

    /// <summary>Puts a MIDI tune on this representation's grid.</summary>
    public GridTune ToTokens(MidiTune tune) => Representation == MelodyRepresentation.Inpaint24
        ? InpaintGrid.ToTokens(tune, Grid)
        : MelodyGrid.ToTokens(tune, Grid);

    /// <summary>Window length in steps.</summary>
    public int Steps => Bars * StepsPerBar;
}

/// <summary>A file that was not used, and why.</summary>
/// <param name="File">The file's path.</param>
/// <param name="Reason">A short reason shared by files skipped alike ("unreadable MIDI", "time signature 6/8", …).</param>
/// <param name="Detail">The longer explanation for this file.</param>
public sealed record SkippedFile(string File, string Reason, string Detail);

/// <summary>What a melody dataset holds and how it was made: the figures <c>latentsynth music data info</c> prints.</summary>
public sealed record MelodyDataSummary
{
    /// <summary>Dataset name as given.</summary>
    public required string Name { get; init; }
    /// <summary>Folder the MIDI files were read from, and how it was found.</summary>
    public required string Source { get; init; }
    /// <summary>The options used.</summary>
    public required MelodyDataOptions Options { get; init; }
    /// <summary>MIDI files found.</summary>
    public int FilesRead { get; init; }
    /// <summary>Tunes kept.</summary>
    public int Tunes { get; init; }
    /// <summary>Units (4/4 bars or pairs of 2/4 bars: 16 steps, or 24 on the inpainting grid) in the kept tunes.</summary>
    public long Bars { get; init; }
    /// <summary>Kept tunes that hold 2/4 bars (paired into 16-step units).</summary>
    public int TwoFourTunes { get; init; }
    /// <summary>Kept tunes where chords were reduced to their highest note.</summary>
    public int TunesWithChords { get; init; }
    /// <summary>Kept tunes whose melody track was chosen among several.</summary>
    public int TunesWithTrackChoice { get; init; }
    /// <summary>Files skipped, each with its reason.</summary>
    public IReadOnlyList<SkippedFile> Skipped { get; init; } = [];
    /// <summary>Train and test tunes.</summary>
    public int TrainTunes { get; init; }
    /// <summary>Test tunes.</summary>
    public int TestTunes { get; init; }
    /// <summary>Windows before transposition, train split.</summary>
    public long TrainWindowsUntransposed { get; init; }
    /// <summary>Training windows, transposed copies included.</summary>
    public long TrainWindows { get; init; }
    /// <summary>Test windows.</summary>
    public long TestWindows { get; init; }
    /// <summary>Kept tunes shorter than one window (they give no window).</summary>
    public int TunesShorterThanWindow { get; init; }
    /// <summary>Windows dropped because they hold no note-on.</summary>
    public long RestWindowsDropped { get; init; }
    /// <summary>Token counts over the kept tunes (untransposed), indexed by token.</summary>
    public long[] TokenCounts { get; init; } = [];
    /// <summary>Lowest and highest pitch in the kept tunes.</summary>
    public (int Min, int Max) PitchRange { get; init; }
    /// <summary>Time spent per phase.</summary>
    public IReadOnlyDictionary<string, TimeSpan> Timings { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>Skipped files grouped by reason, most frequent first.</summary>
    public IEnumerable<(string Reason, int Count)> SkippedByReason =>
        Skipped.GroupBy(s => s.Reason).Select(g => (g.Key, g.Count())).OrderByDescending(g => g.Item2).ThenBy(g => g.Key, StringComparer.Ordinal);
}

/// <summary>
/// Melody datasets from folders of MIDI files: every file read with <see cref="MidiReader"/>, put on
/// the grid with <see cref="MelodyGrid.ToTokens"/>, split by tune, cut into windows, optionally
/// transposed, and held as int64 token tensors [N, T] in a <see cref="TensorDataset"/> (no labels).
/// </summary>
public static class MelodyDataset
{
    /// <summary>The MIDI files of <paramref name="folder"/> (*.mid, *.midi, any case), sorted by path.</summary>
    /// <exception cref="DatasetException">The folder does not exist.</exception>
    public static List<string> Files(string folder, bool recursive)
    {
        if (!Directory.Exists(folder))
            throw new DatasetException($"MIDI folder '{folder}' does not exist: give a folder that holds .mid files (midi:DIR)");
        return Directory.EnumerateFiles(folder, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(f => f.EndsWith(".mid", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".midi", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Reads every file and puts it on the grid; unreadable and unfit files are named in
    /// <paramref name="skipped"/>, and each unreadable one also in a line to <paramref name="warn"/>.
    /// </summary>
    public static List<GridTune> ReadTunes(IReadOnlyList<string> files, GridOptions grid, List<SkippedFile> skipped, Action<string>? warn = null) =>
        ReadTunes(files, new MelodyDataOptions { Grid = grid }, skipped, warn);

    /// <summary>As <see cref="ReadTunes(IReadOnlyList{string}, GridOptions, List{SkippedFile}, Action{string}?)"/>, on the grid of <paramref name="options"/>' representation.</summary>
    public static List<GridTune> ReadTunes(IReadOnlyList<string> files, MelodyDataOptions options, List<SkippedFile> skipped, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(skipped);
        var tunes = new List<GridTune>(files.Count);
        foreach (var file in files)
        {
            GridTune tune;
            try { tune = options.ToTokens(MidiReader.Read(file)); }
            catch (MidiDataException e)
            {
                skipped.Add(new SkippedFile(file, "unreadable MIDI", e.Message));
                warn?.Invoke($"skipped {e.Message}");
                continue;
            }
            catch (OverflowException)
            {
                // Tick values so large that their step does not fit an int: a corrupt or hostile file.
                var message = $"{file}: note times beyond {int.MaxValue} steps";
                skipped.Add(new SkippedFile(file, "unreadable MIDI", message));
                warn?.Invoke($"skipped {message}");
                continue;
            }
            if (tune.Tokens is null)
            {
                // Tunes that do not fit the grid are many in folk collections (Nottingham: 563 of 1,034):
                // the caller sums them up in one line; unreadable files are named one by one above.
                skipped.Add(new SkippedFile(file, tune.SkipReason!, tune.Detail));
                continue;
            }
            tunes.Add(tune);
        }
        return tunes;
    }

    /// <summary>
    /// Loads the MIDI files of <paramref name="folder"/> as a melody dataset.
    /// </summary>
    /// <param name="name">Dataset name (for reports and the tensors' names).</param>
    /// <param name="folder">Folder of MIDI files.</param>
    /// <param name="source">How the folder was found (shown in reports).</param>
    /// <param name="options">Windows, transposition, split.</param>
    /// <param name="data">Warnings and progress go to its <see cref="DatasetOptions.Warn"/> and <see cref="DatasetOptions.Status"/>.</param>
    /// <exception cref="DatasetException">The folder is missing or no tune in it is usable.</exception>
    public static (LoadedDataset Loaded, MelodyDataSummary Summary) Load(string name, string folder, string source, MelodyDataOptions options, DatasetOptions? data = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Bars);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.HopBars);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Transpose);
        if (options.Transpose > 0 && options.Representation != MelodyRepresentation.Melody16)
            throw new ArgumentException($"dataset '{name}': transposition is implemented for the 16th-grid melody tokens only", nameof(options));
        var d = data ?? DatasetOptions.Default;
        var warnings = new List<string>();
        void Warn(string w) { warnings.Add(w); d.Warn?.Invoke(w); }
        var timings = new Dictionary<string, TimeSpan>();
        var sw = Stopwatch.StartNew();

        var files = Files(folder, options.Recursive);
        if (files.Count == 0) throw new DatasetException($"dataset '{name}': no .mid files in '{folder}'");
        d.Status?.Invoke($"reading {files.Count} MIDI files from {folder}");
        var skipped = new List<SkippedFile>();
        var tunes = ReadTunes(files, options, skipped, Warn);
        timings["read MIDI"] = sw.Elapsed;
        var unfit = skipped.Where(f => f.Reason != "unreadable MIDI").GroupBy(f => f.Reason).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (unfit.Count > 0)
            Warn($"{unfit.Sum(g => g.Count())} of {files.Count} tunes in {folder} do not fit {options.StepsPerBar}-step bars on the {(options.Representation == MelodyRepresentation.Inpaint24 ? BeatGrid.SixteenthsAndTriplets.Name : BeatGrid.Sixteenths.Name)} and were skipped ({string.Join(", ", unfit.Select(g => $"{g.Count()} {g.Key}"))}); `latentsynth music data info {name}` names them");
        if (tunes.Count == 0)
            throw new DatasetException($"dataset '{name}': none of the {files.Count} MIDI files in '{folder}' is usable ({string.Join(", ", skipped.GroupBy(s => s.Reason).Select(g => $"{g.Count()} {g.Key}"))})");

        sw.Restart();
        var (trainIdx, testIdx) = MelodyWindows.SplitByTune(tunes.Select(t => t.Name).ToList(), options.TestFraction, options.Seed);
        long dropped = 0;
        List<int[]> Windows(IEnumerable<int> idx)
        {
            var all = new List<int[]>();
            foreach (var i in idx)
            {
                all.AddRange(MelodyWindows.Slice(tunes[i].Tokens!, options.Bars, options.HopBars, options.StepsPerBar,
                    options.KeepWindowsWithoutOnset ? null : options.IsOnset, out int dr));
                dropped += dr;
            }
            return all;
        }
        var train = Windows(trainIdx);
        var test = Windows(testIdx);
        long trainUntransposed = train.Count;
        if (options.Transpose > 0)
        {
            var augmented = new List<int[]>(train.Count * (2 * options.Transpose + 1));
            foreach (var w in train)
            {
                augmented.Add(w);
                for (int s = -options.Transpose; s <= options.Transpose; s++)
                    if (s != 0 && MelodyWindows.Transpose(w, s) is { } t) augmented.Add(t);
            }
            train = augmented;
        }
        timings["windows"] = sw.Elapsed;

        var counts = new long[options.VocabularySize];
        int minPitch = int.MaxValue, maxPitch = int.MinValue;
        foreach (var t in tunes)
            foreach (var k in t.Tokens!)
            {
                counts[k]++;
                if (options.PitchOf(k) is int p) { minPitch = Math.Min(minPitch, p); maxPitch = Math.Max(maxPitch, p); }
            }

        sw.Restart();
        var splits = new DatasetSplits(ToDataset($"{name}/train", train, options.Steps), ToDataset($"{name}/test", test, options.Steps));
        timings["tensors"] = sw.Elapsed;

        var summary = new MelodyDataSummary
        {
            Name = name, Source = source, Options = options, FilesRead = files.Count, Tunes = tunes.Count,
            Bars = tunes.Sum(t => (long)t.Units),
            TwoFourTunes = tunes.Count(t => t.TwoFourBars > 0),
            TunesWithChords = tunes.Count(t => t.ChordOnsets > 0),
            TunesWithTrackChoice = tunes.Count(t => t.Detail.Contains("melody from track", StringComparison.Ordinal)),
            Skipped = skipped, TrainTunes = trainIdx.Length, TestTunes = testIdx.Length,
            TrainWindowsUntransposed = trainUntransposed, TrainWindows = train.Count, TestWindows = test.Count,
            TunesShorterThanWindow = tunes.Count(t => t.Units < options.Bars),
            RestWindowsDropped = dropped, TokenCounts = counts, PitchRange = (minPitch, maxPitch), Timings = timings,
        };
        var report = new DatasetReport
        {
            Name = name,
            Source = source,
            RecordsRead = files.Count,
            RecordsKept = tunes.Count,
            Skipped = summary.SkippedByReason.ToDictionary(g => g.Reason, g => (long)g.Count),
            TrainCount = train.Count,
            TestCount = test.Count,
            ItemShape = [options.Steps],
            SplitRule = $"by tune: {testIdx.Length} of {tunes.Count} tunes (round(N × {options.TestFraction})) chosen by a seeded permutation (SplitMix64 Fisher–Yates, seed {options.Seed}) of the names in ordinal order are the test tunes; no tune is in both",
            Scaling = (options.Representation == MelodyRepresentation.Inpaint24
                          ? $"int64 inpainting tokens 0..{InpaintTokens.Count - 1} (0–127 note-on, 128 hold, 129 rest), 24 steps per bar (16ths and triplets), "
                          : $"int64 melody tokens 0..{MelodyTokens.Count - 1} (0 no-event, 1 note-off, 2+(p−21) note-on), ") +
                      $"{options.Bars}-bar windows every {options.HopBars} bar(s)" + (options.KeepWindowsWithoutOnset ? " (windows without a note-on kept)" : "") +
                      (options.Transpose > 0 ? $", training windows transposed by ±{options.Transpose} semitones within 21–108" : ", not transposed"),
            Timings = timings,
            Warnings = warnings,
        };
        return (new LoadedDataset(splits, report), summary);
    }

    /// <summary>An int64 [N, <paramref name="steps"/>] dataset of <paramref name="windows"/> (no labels).</summary>
    public static TensorDataset ToDataset(string name, IReadOnlyList<int[]> windows, int steps)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var flat = new long[(long)windows.Count * steps];
        for (int i = 0; i < windows.Count; i++)
        {
            if (windows[i].Length != steps) throw new ArgumentException($"window {i} has {windows[i].Length} steps, expected {steps}", nameof(windows));
            for (int j = 0; j < steps; j++) flat[(long)i * steps + j] = windows[i][j];
        }
        return new TensorDataset(name, LatentSynth.Torch.Tensor.From(flat, windows.Count, steps));
    }
}
