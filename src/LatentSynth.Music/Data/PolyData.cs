using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using LatentSynth.Data;
using LatentSynth.Torch;

namespace LatentSynth.Music.Data;

/// <summary>A piece on the 16th grid with all its notes (polyphonic), or why it was not usable.</summary>
/// <param name="Name">File or chorale name.</param>
/// <param name="Notes">Every note, absolute steps (null when skipped).</param>
/// <param name="Length">Length in steps, a whole number of 16-step units (0 when skipped).</param>
/// <param name="SkipReason">Short groupable reason when skipped, else null.</param>
/// <param name="Detail">The longer explanation (may be empty).</param>
public sealed record PolyTune(string Name, IReadOnlyList<GridNote>? Notes, int Length, string? SkipReason, string Detail);

/// <summary>What a PianoTree dataset holds: the figures of its report and of the docs.</summary>
public sealed record PolyDataSummary
{
    /// <summary>Dataset name.</summary>
    public required string Name { get; init; }
    /// <summary>Where the data came from.</summary>
    public required string Source { get; init; }
    /// <summary>Files (or chorales) read.</summary>
    public int PiecesRead { get; init; }
    /// <summary>Pieces kept.</summary>
    public int PiecesKept { get; init; }
    /// <summary>Skipped pieces with their reasons.</summary>
    public IReadOnlyList<SkippedFile> Skipped { get; init; } = [];
    /// <summary>Training pieces.</summary>
    public int TrainPieces { get; init; }
    /// <summary>Test pieces.</summary>
    public int TestPieces { get; init; }
    /// <summary>Pieces in neither split (JSB's 76 "valid" chorales).</summary>
    public int UnusedPieces { get; init; }
    /// <summary>Training segments.</summary>
    public long TrainSegments { get; init; }
    /// <summary>Test segments.</summary>
    public long TestSegments { get; init; }
    /// <summary>Segments without any onset, dropped.</summary>
    public long EmptySegmentsDropped { get; init; }
    /// <summary>Notes in the kept segments (a note is in every segment its onset falls into: twice with hop 1 bar).</summary>
    public long Notes { get; init; }
    /// <summary>Steps of the kept segments by how many notes start there (index 0..16).</summary>
    public long[] NotesPerStep { get; init; } = new long[PolyTree.MaxNotes + 1];
    /// <summary>Notes in kept segments whose duration was clipped to 32 sixteenths.</summary>
    public long ClippedDurations { get; init; }
    /// <summary>Notes dropped as a repeat of another's onset and pitch (the longer kept).</summary>
    public long DuplicateNotes { get; init; }
    /// <summary>Notes dropped from steps with more than 16 onsets.</summary>
    public long DroppedNotes { get; init; }
    /// <summary>Time per phase.</summary>
    public IReadOnlyDictionary<string, TimeSpan> Timings { get; init; } = new Dictionary<string, TimeSpan>();
}

/// <summary>
/// The PianoTree datasets (tree tensors float32 [N, 32, 16, 6], see <see cref="PolyTree"/>), registered in the
/// <see cref="DatasetCatalog"/>: <c>nottingham-poly</c> (the Nottingham tunes with their chords, MIDI/*.mid),
/// <c>jsb-poly</c> (the JSB chorales, 4 voices on a 16th grid) and <c>midi-poly:DIR</c> (a folder of one's own MIDI files).
/// </summary>
/// <remarks>
/// <para><b>Segments</b>: 2 units of 16 steps (two 4/4 bars, or four 2/4 bars paired as the melody datasets pair them) every
/// unit (hop 1 bar, as the 2-bar <c>nottingham</c> melody set), from the first step, as long as they fit whole. A segment
/// holds the notes whose onset lies in it, each with its whole duration (also where it sounds past the segment's end; the
/// reference's piano-roll route cuts it there), durations over 32 sixteenths clipped to 32; a note held into the segment
/// from before is not in it. Segments without an onset are dropped and counted. Steps are thinned by
/// <see cref="PolyTree.Thin"/> (counted in the summary).</para>
/// <para><b>MIDI</b> (<see cref="FromMidi"/>): every note of every track (drums are left out by the reader), quantized to the
/// 16th grid with the melody datasets' tolerance (a file with notes off the grid is skipped, as there) and their time-signature
/// rules (4/4, 2/2 and pairs of 2/4 bars). Nottingham's MIDI/*.mid hold melody and chords in two tracks: chords with real
/// durations under the tune. Split by tune with the melody datasets' seeded split (10 %, seed 9010).</para>
/// <para><b>JSB</b> (<see cref="FromVoices"/>): Jsb16thSeparated.json gives 4 pitches (−1: silent) per 16th step and does
/// not tell a held note from a repeated one. It is read per voice: consecutive equal pitches are one held note; a new onset
/// comes only when the pitch changes or after a silence. (Bach's repeated notes in one voice thus merge into one long note;
/// the other reading — a new onset every step — would turn every half note into 8 struck 16ths.) The file has no bar lines:
/// segments start every 16 steps from the chorale's first step. Splits as given: train = its 229 "train" chorales, test =
/// its 77 "test" chorales; the 76 "valid" chorales are in neither (the catalog carries two splits and the trainer validates
/// on the test split, as for every dataset here; they are counted in the summary, kept for a later model-selection split).</para>
/// </remarks>
public static class PolyData
{
    /// <summary>The pinned commit of github.com/czhuang/JSB-Chorales-dataset.</summary>
    public const string JsbCommit = "9a7f733ddb4ed91f48da64ac7f0f621c34aadd4d";

    /// <summary>The JSB file's name.</summary>
    public const string JsbFile = "Jsb16thSeparated.json";

    /// <summary>Raw download address of <see cref="JsbFile"/> at <see cref="JsbCommit"/>.</summary>
    public const string JsbUrl = "https://raw.githubusercontent.com/czhuang/JSB-Chorales-dataset/" + JsbCommit + "/" + JsbFile;

    /// <summary>SHA-256 of <see cref="JsbFile"/> at <see cref="JsbCommit"/> (computed on the shared copy of that commit).</summary>
    public const string JsbSha256 = "79294cc374f9252e95ef4b703161524c1c53dc1f712c236f00f1c1f5d54af5a7";

    /// <summary>Units (16 steps) per segment.</summary>
    public const int SegmentUnits = 2;

    /// <summary>Hop between segment starts, in 16-step units.</summary>
    public const int HopUnits = 1;

    private const int Unit = 16;
    private static int registered;

    /// <summary>Registers <c>nottingham-poly</c>, <c>jsb-poly</c> and <c>midi-poly:DIR</c> (once per process).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1) return;
        DatasetCatalog.Register("nottingham-poly", "Nottingham tunes with their chords as PianoTree trees [32,16,6]: 2-bar segments every bar, split by tune",
            data => Load("nottingham-poly", data).Loaded);
        DatasetCatalog.Register("jsb-poly", "JSB chorales (4 voices) as PianoTree trees [32,16,6]: 2-bar segments every bar, train 229 / test 77 chorales",
            data => Load("jsb-poly", data).Loaded);
        DatasetCatalog.RegisterPattern("midi-poly", "DIR", "MIDI files in DIR, all tracks, as PianoTree trees [32,16,6] (4/4 and 2/4 only), split by tune",
            (dir, data) => Load("midi-poly:" + dir, data).Loaded);
    }

    /// <summary>Whether <paramref name="name"/> is a PianoTree dataset name.</summary>
    public static bool IsPolyDataset(string name) =>
        name is not null && (name.Trim().Equals("nottingham-poly", StringComparison.OrdinalIgnoreCase) || name.Trim().Equals("jsb-poly", StringComparison.OrdinalIgnoreCase)
                             || name.Trim().StartsWith("midi-poly:", StringComparison.OrdinalIgnoreCase));

    /// <summary>Loads a PianoTree dataset by name, with its summary.</summary>
    /// <exception cref="ArgumentException">Not a PianoTree dataset name, or <c>midi-poly:</c> without a folder.</exception>
    /// <exception cref="DatasetException">The data cannot be found or read.</exception>
    public static (LoadedDataset Loaded, PolyDataSummary Summary) Load(string name, DatasetOptions? data = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        name = name.Trim();
        var d = data ?? DatasetOptions.Default;
        if (name.Equals("nottingham-poly", StringComparison.OrdinalIgnoreCase))
        {
            var (melody, source) = MusicData.LocateNottingham(d);
            var folder = Path.GetDirectoryName(melody)!; // MIDI/ (melody + chords) beside MIDI/melody/
            return LoadMidi(name, folder, $"{folder}: MIDI/*.mid, melody + chords (found in {source})", d);
        }
        if (name.Equals("jsb-poly", StringComparison.OrdinalIgnoreCase))
        {
            var (file, source) = LocateJsb(d);
            return LoadJsb(name, file, source, d);
        }
        if (name.StartsWith("midi-poly:", StringComparison.OrdinalIgnoreCase))
        {
            var dir = name["midi-poly:".Length..];
            if (string.IsNullOrEmpty(dir)) throw new ArgumentException($"dataset '{name}' needs a folder after 'midi-poly:' (for example midi-poly:~/tunes)");
            if (dir.StartsWith("~/", StringComparison.Ordinal)) dir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), dir[2..]);
            return LoadMidi(name, dir, $"MIDI files in {Path.GetFullPath(dir)}", d);
        }
        throw new ArgumentException($"'{name}' is not a PianoTree dataset; known: nottingham-poly, jsb-poly, midi-poly:DIR");
    }

    /// <summary>
    /// A MIDI tune on the 16th grid with all its notes (see the type's remarks), or why it does not fit: no notes, notes off
    /// the grid, too long, or a time signature other than 4/4, 2/2 and 2/4.
    /// </summary>
    public static PolyTune FromMidi(MidiTune tune, GridOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tune);
        var o = options ?? GridOptions.Default;
        var grid = BeatGrid.Sixteenths;
        PolyTune Skip(string reason, string detail) => new(tune.Name, null, 0, reason, detail);
        if (tune.Notes.Count == 0) return Skip("no notes", "the file holds no pitched notes");
        int offGrid = 0;
        double worst = 0;
        var notes = new List<GridNote>(tune.Notes.Count);
        foreach (var n in tune.Notes)
        {
            int s = grid.Quantize(n.OnTick, tune.TicksPerQuarter, out var d1);
            int e = grid.Quantize(n.OffTick, tune.TicksPerQuarter, out var d2);
            if (d1 > o.Tolerance || d2 > o.Tolerance) { offGrid++; worst = Math.Max(worst, Math.Max(d1, d2)); }
            if (e <= s) e = s + 1; // a note shorter than half a step keeps one step
            notes.Add(new GridNote(n.Pitch, s, e));
        }
        if (offGrid > 0)
            return Skip("notes off the 16th grid", $"{offGrid} of {tune.Notes.Count} notes start or end more than {o.Tolerance} step from a 16th-note line (worst {worst:F2} step)");
        int lastStep = notes.Max(n => n.End);
        if (lastStep > MelodyGrid.MaxSteps) return Skip("too long", $"the notes end at step {lastStep}, beyond {MelodyGrid.MaxSteps} steps");
        if (MelodyGrid.SignatureProblem(tune, grid, lastStep, out _) is { } bad) return Skip(bad.Reason, bad.Detail);
        notes.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Pitch.CompareTo(b.Pitch));
        return new PolyTune(tune.Name, notes, (lastStep + Unit - 1) / Unit * Unit, null,
            tune.Notes.Select(n => n.Track).Distinct().Count() > 1 ? $"{tune.Notes.Select(n => n.Track).Distinct().Count()} tracks merged" : "");
    }

    /// <summary>
    /// The notes of a chorale given as 4 voices per 16th step (−1: silent): per voice, consecutive equal pitches are one held
    /// note, a new onset comes when the pitch changes or after a silence (see the type's remarks).
    /// </summary>
    /// <exception cref="ArgumentException">A step has another number of voices than the first, or a pitch outside −1..127;
    /// the message names <paramref name="name"/> and the step.</exception>
    public static PolyTune FromVoices(string name, IReadOnlyList<int[]> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Count == 0) return new PolyTune(name, null, 0, "no steps", "the chorale holds no steps");
        int voices = steps[0].Length;
        var notes = new List<GridNote>();
        var pitch = new int[voices];
        var start = new int[voices];
        Array.Fill(pitch, -1);
        for (int t = 0; t <= steps.Count; t++)
        {
            if (t < steps.Count && steps[t].Length != voices)
                throw new ArgumentException($"{name}: step {t} has {steps[t].Length} voices, the first step {voices}");
            for (int v = 0; v < voices; v++)
            {
                int p = t < steps.Count ? steps[t][v] : -1;
                if (p < -1 || p > 127) throw new ArgumentException($"{name}: step {t} voice {v} has pitch {p}, not −1 (silent) or 0..127");
                if (p == pitch[v]) continue; // held (or still silent)
                if (pitch[v] >= 0) notes.Add(new GridNote(pitch[v], start[v], t));
                pitch[v] = p;
                start[v] = t;
            }
        }
        notes.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Pitch.CompareTo(b.Pitch));
        return new PolyTune(name, notes, (steps.Count + Unit - 1) / Unit * Unit, null, "");
    }

    /// <summary>Counts of <see cref="Segments"/>, summed over calls.</summary>
    public sealed class SegmentCounts
    {
        /// <summary>Segments without an onset, dropped.</summary>
        public long Empty { get; set; }
        /// <summary>Notes in kept segments.</summary>
        public long Notes { get; set; }
        /// <summary>Steps of kept segments by notes starting there.</summary>
        public long[] NotesPerStep { get; } = new long[PolyTree.MaxNotes + 1];
        /// <summary>Durations clipped to 32.</summary>
        public long Clipped { get; set; }
        /// <summary>Duplicate notes dropped.</summary>
        public long Duplicates { get; set; }
        /// <summary>Notes dropped from crowded steps.</summary>
        public long Dropped { get; set; }
    }

    /// <summary>
    /// The trees of a piece's 2-unit segments every <see cref="HopUnits"/> unit (see the type's remarks), each
    /// <see cref="PolyTree.Size"/> values; empty segments dropped; counts added to <paramref name="counts"/>.
    /// </summary>
    public static List<float[]> Segments(IReadOnlyList<GridNote> notes, int length, SegmentCounts counts)
    {
        ArgumentNullException.ThrowIfNull(notes);
        ArgumentNullException.ThrowIfNull(counts);
        var sorted = notes.OrderBy(n => n.Start).ToList();
        var trees = new List<float[]>();
        int first = 0;
        for (int start = 0; start + SegmentUnits * Unit <= length; start += HopUnits * Unit)
        {
            while (first < sorted.Count && sorted[first].Start < start) first++;
            var inside = new List<PolyTree.PolyNote>();
            for (int i = first; i < sorted.Count && sorted[i].Start < start + PolyTree.Steps; i++)
                inside.Add(new PolyTree.PolyNote(sorted[i].Start - start, sorted[i].Pitch, sorted[i].End - sorted[i].Start));
            if (inside.Count == 0) { counts.Empty++; continue; }
            var kept = PolyTree.Thin(inside, out int clipped, out int duplicates, out int dropped);
            counts.Clipped += clipped;
            counts.Duplicates += duplicates;
            counts.Dropped += dropped;
            counts.Notes += kept.Count;
            var perStep = new int[PolyTree.Steps];
            foreach (var n in kept) perStep[n.Onset]++;
            foreach (var c in perStep) counts.NotesPerStep[c]++;
            trees.Add(PolyTree.Encode(kept));
        }
        return trees;
    }

    /// <summary>
    /// Writes the notes of one or more trees (each <see cref="PolyTree.Size"/> values, played one after the other, 32 steps
    /// each) as a one-track MIDI file through <see cref="MelodyGrid.WriteMidi(string, IEnumerable{GridNote}, int, BeatGrid, double, int, int)"/>
    /// (4/4, 120 quarter notes per minute by default; a note keeps its whole duration, also past its segment's end).
    /// </summary>
    /// <exception cref="ArgumentException">The values are not whole trees, or a tree is malformed (<see cref="PolyTree.Decode"/>).</exception>
    public static void WriteMidi(string path, ReadOnlySpan<float> trees, double quarterNotesPerMinute = 120, int velocity = 80, int program = 0)
    {
        if (trees.Length == 0 || trees.Length % PolyTree.Size != 0)
            throw new ArgumentException($"{trees.Length} values are not whole trees of {PolyTree.Size}", nameof(trees));
        var notes = new List<GridNote>();
        int count = trees.Length / PolyTree.Size;
        for (int i = 0; i < count; i++)
            foreach (var n in PolyTree.Decode(trees.Slice(i * PolyTree.Size, PolyTree.Size)))
                notes.Add(new GridNote(n.Pitch, i * PolyTree.Steps + n.Onset, i * PolyTree.Steps + n.Onset + n.Duration));
        MelodyGrid.WriteMidi(path, notes, Math.Max(count * PolyTree.Steps, notes.Count == 0 ? 0 : notes.Max(n => n.End)), BeatGrid.Sixteenths,
            quarterNotesPerMinute, velocity, program);
    }

    /// <summary>Float32 trees [N, 32, 16, 6] named <paramref name="name"/> (no labels).</summary>
    public static TensorDataset ToDataset(string name, IReadOnlyList<float[]> trees)
    {
        ArgumentNullException.ThrowIfNull(trees);
        var flat = new float[(long)trees.Count * PolyTree.Size];
        for (int i = 0; i < trees.Count; i++) trees[i].CopyTo(flat, (long)i * PolyTree.Size);
        return new TensorDataset(name, LatentSynth.Torch.Tensor.From(flat, trees.Count, PolyTree.Steps, PolyTree.MaxNotes, PolyTree.Width));
    }

    private static (LoadedDataset, PolyDataSummary) LoadMidi(string name, string folder, string source, DatasetOptions d)
    {
        var sw = Stopwatch.StartNew();
        var timings = new Dictionary<string, TimeSpan>();
        var warnings = new List<string>();
        void Warn(string w) { warnings.Add(w); d.Warn?.Invoke(w); }
        var files = MelodyDataset.Files(folder, recursive: false);
        if (files.Count == 0) throw new DatasetException($"dataset '{name}': no .mid files in '{folder}'");
        d.Status?.Invoke($"reading {files.Count} MIDI files from {folder}");
        var skipped = new List<SkippedFile>();
        var tunes = new List<PolyTune>();
        foreach (var file in files)
        {
            PolyTune tune;
            try { tune = FromMidi(MidiReader.Read(file)); }
            catch (Exception e) when (e is MidiDataException or OverflowException)
            {
                var message = e is MidiDataException ? e.Message : $"{file}: note times beyond {int.MaxValue} steps";
                skipped.Add(new SkippedFile(file, "unreadable MIDI", message));
                Warn($"skipped {message}");
                continue;
            }
            if (tune.Notes is null) { skipped.Add(new SkippedFile(file, tune.SkipReason!, tune.Detail)); continue; }
            tunes.Add(tune);
        }
        timings["read MIDI"] = sw.Elapsed;
        var unfit = skipped.Where(s => s.Reason != "unreadable MIDI").GroupBy(s => s.Reason).OrderByDescending(g => g.Count()).ToList();
        if (unfit.Count > 0)
            Warn($"{unfit.Sum(g => g.Count())} of {files.Count} tunes in {folder} do not fit 16-step bars on the 16th grid and were skipped ({string.Join(", ", unfit.Select(g => $"{g.Count()} {g.Key}"))})");
        if (tunes.Count == 0)
            throw new DatasetException($"dataset '{name}': none of the {files.Count} MIDI files in '{folder}' is usable ({string.Join(", ", skipped.GroupBy(s => s.Reason).Select(g => $"{g.Count()} {g.Key}"))})");
        var split = new MelodyDataOptions();
        var (trainIdx, testIdx) = MelodyWindows.SplitByTune(tunes.Select(t => t.Name).ToList(), split.TestFraction, split.Seed);
        string rule = $"by tune: {testIdx.Length} of {tunes.Count} tunes (round(N × {split.TestFraction})) chosen by the melody datasets' seeded permutation (seed {split.Seed}) are the test tunes";
        return Finish(name, source, files.Count, tunes, trainIdx, testIdx, 0, skipped, rule, timings, warnings, sw);
    }

    private static (LoadedDataset, PolyDataSummary) LoadJsb(string name, string file, string source, DatasetOptions d)
    {
        var sw = Stopwatch.StartNew();
        var timings = new Dictionary<string, TimeSpan>();
        Dictionary<string, List<List<int[]>>> json;
        try
        {
            json = JsonSerializer.Deserialize<Dictionary<string, List<List<int[]>>>>(File.ReadAllText(file))
                   ?? throw new JsonException("empty document");
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            throw new DatasetException($"dataset '{name}': {file} is not the JSB chorales' JSON (train/valid/test lists of steps of 4 pitches): {e.Message}", e);
        }
        foreach (var key in new[] { "train", "valid", "test" })
            if (!json.ContainsKey(key)) throw new DatasetException($"dataset '{name}': {file} has no \"{key}\" list");
        var tunes = new List<PolyTune>();
        var trainIdx = new List<int>();
        var testIdx = new List<int>();
        var skipped = new List<SkippedFile>();
        foreach (var (key, target) in new[] { ("train", trainIdx), ("test", testIdx) })
            for (int i = 0; i < json[key].Count; i++)
            {
                PolyTune tune;
                try { tune = FromVoices($"{key}/{i}", json[key][i]); }
                catch (ArgumentException e) { throw new DatasetException($"dataset '{name}': {file}: {e.Message}", e); }
                if (tune.Notes is null) { skipped.Add(new SkippedFile($"{key}/{i}", tune.SkipReason!, tune.Detail)); continue; }
                target.Add(tunes.Count);
                tunes.Add(tune);
            }
        timings["read JSON"] = sw.Elapsed;
        int valid = json["valid"].Count;
        string rule = $"as the file gives it: train = its \"train\" chorales ({json["train"].Count}), test = its \"test\" chorales ({json["test"].Count}); its {valid} \"valid\" chorales are in neither split";
        return Finish(name, source, json["train"].Count + json["test"].Count + valid, tunes, trainIdx.ToArray(), testIdx.ToArray(), valid, skipped, rule, timings, [], sw);
    }

    private static (LoadedDataset, PolyDataSummary) Finish(string name, string source, int read, List<PolyTune> tunes, int[] trainIdx, int[] testIdx, int unused,
        List<SkippedFile> skipped, string rule, Dictionary<string, TimeSpan> timings, List<string> warnings, Stopwatch sw)
    {
        sw.Restart();
        var counts = new SegmentCounts();
        List<float[]> Cut(IEnumerable<int> idx) => idx.SelectMany(i => Segments(tunes[i].Notes!, tunes[i].Length, counts)).ToList();
        var train = Cut(trainIdx);
        var test = Cut(testIdx);
        timings["segments"] = sw.Elapsed;
        sw.Restart();
        var splits = new DatasetSplits(ToDataset($"{name}/train", train), ToDataset($"{name}/test", test));
        timings["tensors"] = sw.Elapsed;
        var summary = new PolyDataSummary
        {
            Name = name, Source = source, PiecesRead = read, PiecesKept = tunes.Count, Skipped = skipped,
            TrainPieces = trainIdx.Length, TestPieces = testIdx.Length, UnusedPieces = unused,
            TrainSegments = train.Count, TestSegments = test.Count, EmptySegmentsDropped = counts.Empty, Notes = counts.Notes,
            NotesPerStep = counts.NotesPerStep, ClippedDurations = counts.Clipped, DuplicateNotes = counts.Duplicates, DroppedNotes = counts.Dropped,
            Timings = timings,
        };
        var report = new DatasetReport
        {
            Name = name,
            Source = source,
            RecordsRead = read,
            RecordsKept = tunes.Count,
            Skipped = skipped.GroupBy(s => s.Reason).ToDictionary(g => g.Key, g => (long)g.Count()),
            TrainCount = train.Count,
            TestCount = test.Count,
            ItemShape = [PolyTree.Steps, PolyTree.MaxNotes, PolyTree.Width],
            SplitRule = rule,
            Scaling = $"float32 PianoTree trees: per 16th step up to 16 notes by ascending pitch, each [pitch 0..127 (128 EOS, 129 pad), 5 duration bits of (16ths − 1)]; " +
                      $"2-bar segments every bar; {counts.Clipped} durations clipped to 32, {counts.Duplicates} duplicate and {counts.Dropped} crowded-step notes dropped, {counts.Empty} empty segments dropped",
            Timings = timings,
            Warnings = warnings,
        };
        return (new LoadedDataset(splits, report), summary);
    }

    /// <summary>
    /// <see cref="JsbFile"/> and where it came from: the cache (<c>CACHE/jsb-chorales/COMMIT/</c>), else
    /// <c>../shared/datasets/jsb-chorales/</c> beside the repository, else a download of <see cref="JsbUrl"/> into the cache,
    /// checked against <see cref="JsbSha256"/>.
    /// </summary>
    /// <exception cref="DatasetException">None of the three works; the message says how to get the file.</exception>
    public static (string File, string Source) LocateJsb(DatasetOptions? data = null) => LocateJsb(data, SharedJsb(), JsbUrl);

    /// <summary>As <see cref="LocateJsb(DatasetOptions?)"/> with the shared folder (null: none) and the address given (tests use an unreachable one).</summary>
    /// <exception cref="DatasetException">None of the three works.</exception>
    public static (string File, string Source) LocateJsb(DatasetOptions? data, string? sharedFolder, string url)
    {
        ArgumentException.ThrowIfNullOrEmpty(url);
        var d = data ?? DatasetOptions.Default;
        var cacheDir = Path.Combine(DataCache.Resolve(d.CacheDir), "jsb-chorales", JsbCommit);
        var cached = Path.Combine(cacheDir, JsbFile);
        if (File.Exists(cached)) return (cached, $"cache {cacheDir} (github.com/czhuang/JSB-Chorales-dataset @ {JsbCommit[..7]})");
        if (sharedFolder is not null && File.Exists(Path.Combine(sharedFolder, JsbFile)))
            return (Path.Combine(sharedFolder, JsbFile), $"{sharedFolder} (shared copy of github.com/czhuang/JSB-Chorales-dataset @ {JsbCommit[..7]})");
        d.Status?.Invoke($"downloading {url}");
        try
        {
            byte[] bytes;
            using (var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) })
                bytes = http.GetByteArrayAsync(url).GetAwaiter().GetResult();
            var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (!string.Equals(sha, JsbSha256, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"the file's SHA-256 is {sha}, expected {JsbSha256}");
            Directory.CreateDirectory(cacheDir);
            File.WriteAllBytes(cached + ".partial", bytes);
            File.Move(cached + ".partial", cached, overwrite: true);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or TaskCanceledException or UnauthorizedAccessException)
        {
            throw new DatasetException(
                $"jsb-poly: not in the cache ({cacheDir}), no ../shared/datasets/jsb-chorales beside the repository, and the download of {url} failed ({e.Message.ReplaceLineEndings(" ")}); " +
                $"download that file yourself into {cacheDir}", e);
        }
        return (cached, $"cache {cacheDir}, downloaded from {url}");
    }

    /// <summary>The shared JSB folder (<c>REPO/../shared/datasets/jsb-chorales</c>) when it holds <see cref="JsbFile"/>, else null.</summary>
    public static string? SharedJsb()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "LatentSynth.slnx")))
                {
                    var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "datasets", "jsb-chorales"));
                    if (File.Exists(Path.Combine(candidate, JsbFile))) return candidate;
                    break;
                }
        return null;
    }
}
