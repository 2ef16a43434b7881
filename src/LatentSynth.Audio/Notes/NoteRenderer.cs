using System.Diagnostics;
using System.Text.Json;
using LatentSynth.Audio.IO;
using LatentSynth.Torch.IO;

namespace LatentSynth.Audio.Notes;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>What <see cref="NoteRenderer.Render"/> renders and how.</summary>
public sealed record NoteRenderOptions
{
    /// <summary>The FluidR3 GM font Debian's fluid-soundfont-gm installs.</summary>
    public const string DefaultSoundFont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

    /// <summary>Instrument names (see <see cref="InstrumentTable.All"/>); null or empty: all 12.</summary>
    public IReadOnlyList<string>? Instruments { get; init; }

    /// <summary>Dynamics names (pp, mf, ff); null or empty: all three.</summary>
    public IReadOnlyList<string>? Dynamics { get; init; }

    /// <summary>Semitones between rendered pitches, from each instrument's lowest (1: every semitone).</summary>
    public int PitchStep { get; init; } = 1;

    /// <summary>Explicit MIDI pitches to render (each instrument keeps those inside its range); null: the range every <see cref="PitchStep"/> semitones.</summary>
    public IReadOnlyList<int>? Pitches { get; init; }

    /// <summary>How long each key is held before note-off, in seconds.</summary>
    public double HoldSeconds { get; init; } = 1.0;

    /// <summary>Length of each cut note (hold plus release tail), in seconds.</summary>
    public double NoteSeconds { get; init; } = 1.5;

    /// <summary>Output sample rate (FluidSynth renders at it directly).</summary>
    public int SampleRate { get; init; } = 22050;

    /// <summary>
    /// FluidSynth master gain (its -g). 1.5: with reverb and chorus off, the loudest note of the full
    /// set (ff) peaks near 0.72 after the mono mix, so PCM16 keeps its resolution and nothing clips
    /// (measured with FluidR3 GM: peak 0.24 at gain 0.5).
    /// </summary>
    public double Gain { get; init; } = 1.5;

    /// <summary>The SoundFont 2 file.</summary>
    public string SoundFont { get; init; } = DefaultSoundFont;

    /// <summary>The fluidsynth executable (a name on PATH or a path).</summary>
    public string FluidSynth { get; init; } = "fluidsynth";

    /// <summary>FluidSynth processes run at once (one per instrument).</summary>
    public int MaxProcesses { get; init; } = 2;
}

/// <summary>Progress of a render: reported once per finished instrument.</summary>
/// <param name="Instrument">The instrument just finished.</param>
/// <param name="InstrumentsDone">Instruments finished so far.</param>
/// <param name="InstrumentsTotal">Instruments to render.</param>
/// <param name="NotesDone">Notes written so far.</param>
public sealed record NoteRenderProgress(string Instrument, int InstrumentsDone, int InstrumentsTotal, int NotesDone);

/// <summary>What a render produced.</summary>
/// <param name="Directory">The set's folder.</param>
/// <param name="Cached">True when the folder already held this render and nothing was done.</param>
/// <param name="Notes">The notes written (or found).</param>
/// <param name="Silent">Ids of notes skipped because they rendered silent (peak below 1e-4).</param>
/// <param name="ClippedSamples">Samples clipped to [-1, 1] when writing PCM16 (0 unless the gain is too high).</param>
/// <param name="Elapsed">Wall time of the call.</param>
/// <param name="CsvPath">The notes.csv path.</param>
/// <param name="FluidSynthVersion">FluidSynth's version line ("" when cached).</param>
public sealed record NoteRenderReport(string Directory, bool Cached, IReadOnlyList<NoteInfo> Notes, IReadOnlyList<string> Silent,
    long ClippedSamples, TimeSpan Elapsed, string CsvPath, string FluidSynthVersion);

/// <summary>
/// Renders single notes with FluidSynth: one MIDI file and one fluidsynth process per instrument
/// (at most <see cref="NoteRenderOptions.MaxProcesses"/> at once), every note of the instrument in
/// sequence — note-on, note-off after the hold, "all sound off" (CC 120) once the note's window
/// (hold + tail) is over, a short gap — then each note is cut out at its known start, mixed to mono,
/// and saved as DIR/&lt;instrument&gt;/&lt;instrument&gt;_&lt;midi&gt;_&lt;dyn&gt;.wav (PCM16) with DIR/notes.csv,
/// notes.json and render.json. Reverb and chorus are off so that nothing rings into the next note.
/// </summary>
public static class NoteRenderer
{
    /// <summary>Silence between one note's forced end (CC 120) and the next note-on, in seconds.</summary>
    private const double GapSeconds = 0.1;

    /// <summary>A note whose peak stays below this is reported as silent and skipped.</summary>
    public const double SilenceThreshold = 1e-4;

    /// <summary>Renders the set into <paramref name="dir"/>, or returns at once when it is already there with the same settings.</summary>
    /// <exception cref="FileNotFoundException">The sound font is missing (the message says how to install it).</exception>
    /// <exception cref="InvalidOperationException">fluidsynth is missing or fails (its error output is included).</exception>
    /// <exception cref="ArgumentException">An unknown instrument or dynamics name, or a non-positive length.</exception>
    public static NoteRenderReport Render(string dir, NoteRenderOptions? options = null, IProgress<NoteRenderProgress>? progress = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        options ??= new NoteRenderOptions();
        var sw = Stopwatch.StartNew();
        var instruments = options.Instruments is { Count: > 0 } names ? names.Select(InstrumentTable.Get).Distinct().ToList() : InstrumentTable.All.ToList();
        var dynamics = options.Dynamics is { Count: > 0 } dyn
            ? dyn.Select(d => (Name: d.Trim().ToLowerInvariant(), Velocity: InstrumentTable.Velocity(d))).Distinct().ToList()
            : InstrumentTable.Dynamics.ToList();
        if (options.PitchStep <= 0) throw new ArgumentException($"the pitch step must be at least 1 (got {options.PitchStep})", nameof(options));
        if (!(options.HoldSeconds > 0) || !(options.NoteSeconds >= options.HoldSeconds))
            throw new ArgumentException($"the hold ({options.HoldSeconds} s) must be positive and at most the note length ({options.NoteSeconds} s)", nameof(options));
        if (options.SampleRate is < 8000 or > 96000) throw new ArgumentException($"sample rate {options.SampleRate} Hz is outside FluidSynth's 8000-96000", nameof(options));
        if (options.MaxProcesses <= 0) throw new ArgumentException("at least one FluidSynth process is needed", nameof(options));

        var font = Path.GetFullPath(options.SoundFont);
        if (!File.Exists(font))
            throw new FileNotFoundException($"sound font '{options.SoundFont}' not found: install the default one with `apt-get install fluid-soundfont-gm` or pass another .sf2 file (--font PATH)", options.SoundFont);

        var settings = new
        {
            instruments = instruments.Select(i => new { i.Name, i.Program, i.LowestPitch, i.HighestPitch }).ToList(),
            dynamics = dynamics.Select(d => new { d.Name, d.Velocity }).ToList(),
            pitch_step = options.PitchStep,
            pitches = options.Pitches?.Order().ToList(),
            hold_s = options.HoldSeconds,
            note_s = options.NoteSeconds,
            gap_s = GapSeconds,
            sample_rate = options.SampleRate,
            gain = options.Gain,
            font,
            font_bytes = new FileInfo(font).Length,
            reverb = false,
            chorus = false,
        };
        var settingsJson = JsonSerializer.Serialize(settings);
        var renderJson = Path.Combine(dir, "render.json");
        var cached = TryCached(dir, renderJson, settingsJson);
        if (cached is not null)
            return new NoteRenderReport(Path.GetFullPath(dir), true, cached.Notes, [], 0, sw.Elapsed, Path.Combine(dir, NoteSet.CsvName), "");

        // A set rendered with other settings is re-rendered in place (it is this verb's own output);
        // a set this verb did not make (an import: notes.csv without render.json) is never replaced.
        if (File.Exists(Path.Combine(dir, NoteSet.CsvName)) && !File.Exists(renderJson))
            throw new IOException($"--out '{dir}' holds a note set that was not rendered here (no render.json; an import?); rendering would replace its {NoteSet.CsvName}. Choose another folder");
        var version = FluidSynthVersion(options.FluidSynth);
        Directory.CreateDirectory(dir);
        var work = Path.Combine(dir, ".render-tmp");
        Directory.CreateDirectory(work);
        var results = new (List<NoteInfo> Notes, List<string> Silent, long Clipped)[instruments.Count];
        int done = 0, notesDone = 0;
        try
        {
            Parallel.For(0, instruments.Count, new ParallelOptions { MaxDegreeOfParallelism = options.MaxProcesses }, k =>
            {
                results[k] = RenderInstrument(dir, work, instruments[k], dynamics, options, font);
                int d = Interlocked.Increment(ref done);
                int n = Interlocked.Add(ref notesDone, results[k].Notes.Count);
                progress?.Report(new NoteRenderProgress(instruments[k].Name, d, instruments.Count, n));
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        var notes = results.SelectMany(r => r.Notes).ToList();
        NoteSet.WriteMetadata(dir, notes);
        var render = new Dictionary<string, object?>
        {
            ["settings"] = JsonSerializer.Deserialize<JsonElement>(settingsJson),
            ["fluidsynth"] = version,
            ["libsndfile"] = AudioFile.LibraryVersion,
            ["notes"] = notes.Count,
            ["silent_skipped"] = results.SelectMany(r => r.Silent).ToList(),
            ["clipped_samples"] = results.Sum(r => r.Clipped),
            ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 2),
            ["created_utc"] = DateTime.UtcNow.ToString("o"),
        };
        AtomicFile.WriteAllText(renderJson, JsonSerializer.Serialize(render, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return new NoteRenderReport(Path.GetFullPath(dir), false, notes, results.SelectMany(r => r.Silent).ToList(),
            results.Sum(r => r.Clipped), sw.Elapsed, Path.Combine(dir, NoteSet.CsvName), version);
    }

    /// <summary>
    /// Why a MIDI file cannot be rendered with <paramref name="options"/> (the sound font or the fluidsynth
    /// executable is missing), as one line; null when both are there.
    /// </summary>
    public static string? MissingRenderer(NoteRenderOptions? options = null)
    {
        options ??= new NoteRenderOptions();
        if (!File.Exists(Path.GetFullPath(options.SoundFont)))
            return $"sound font '{options.SoundFont}' not found (install it with `apt-get install fluid-soundfont-gm`)";
        try { FluidSynthVersion(options.FluidSynth); }
        catch (InvalidOperationException e) { return e.Message; }
        return null;
    }

    /// <summary>
    /// Renders the MIDI file <paramref name="midi"/> with FluidSynth (the same settings and process as
    /// <see cref="Render"/>: <see cref="NoteRenderOptions.SoundFont"/>, gain, sample rate, no reverb or chorus)
    /// into a mono 16-bit WAV file <paramref name="wav"/>. The instruments are the file's own program changes
    /// (<see cref="NoteRenderOptions.Instruments"/> and the note settings do not apply). Returns the clip written.
    /// </summary>
    /// <exception cref="FileNotFoundException">The MIDI file or the sound font is missing.</exception>
    /// <exception cref="InvalidOperationException">fluidsynth is missing or fails (its error output is included).</exception>
    public static AudioClip RenderMidi(string midi, string wav, NoteRenderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(midi);
        ArgumentException.ThrowIfNullOrEmpty(wav);
        options ??= new NoteRenderOptions();
        if (!File.Exists(midi)) throw new FileNotFoundException($"MIDI file '{midi}' not found", midi);
        var font = Path.GetFullPath(options.SoundFont);
        if (!File.Exists(font))
            throw new FileNotFoundException($"sound font '{options.SoundFont}' not found: install the default one with `apt-get install fluid-soundfont-gm` or pass another .sf2 file", options.SoundFont);
        var full = Path.GetFullPath(wav);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "." + Path.GetFileNameWithoutExtension(full) + "-" + Guid.NewGuid().ToString("N")[..8] + ".float.wav");
        try
        {
            RunFluidSynth(options, font, Path.GetFullPath(midi), tmp);
            var clip = AudioFile.ReadMono(tmp, options.SampleRate);
            AudioFile.WriteWav(full, clip, WavSampleFormat.Pcm16);
            return clip;
        }
        finally
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The loaded set when render.json holds the same settings and every file listed exists; otherwise null.</summary>
    private static NoteSet? TryCached(string dir, string renderJson, string settingsJson)
    {
        try
        {
            if (!File.Exists(renderJson) || !File.Exists(Path.Combine(dir, NoteSet.CsvName))) return null;
            using var doc = JsonDocument.Parse(File.ReadAllText(renderJson));
            if (!doc.RootElement.TryGetProperty("settings", out var s) || JsonSerializer.Serialize(s) != settingsJson) return null;
            var set = NoteSet.Load(dir);
            return set.Notes.All(n => File.Exists(set.PathOf(n))) ? set : null;
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidDataException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (List<NoteInfo>, List<string>, long) RenderInstrument(string dir, string work, Instrument instrument,
        IReadOnlyList<(string Name, int Velocity)> dynamics, NoteRenderOptions options, string font)
    {
        var pitches = options.Pitches is { } chosen
            ? chosen.Where(p => p >= instrument.LowestPitch && p <= instrument.HighestPitch).Distinct().Order()
            : instrument.Pitches(options.PitchStep);
        var plan = (from p in pitches from d in dynamics select (Pitch: p, d.Name, d.Velocity)).ToList();
        int tps = NoteMidi.TicksPerSecond;
        long hold = (long)Math.Round(options.HoldSeconds * tps), length = (long)Math.Round(options.NoteSeconds * tps);
        long slot = length + (long)Math.Round(GapSeconds * tps), lead = (long)Math.Round(GapSeconds * tps);
        var midi = Path.Combine(work, instrument.Name + ".mid");
        var wav = Path.Combine(work, instrument.Name + ".wav");
        NoteMidi.Write(midi, NoteMidi.Events(instrument.Program, plan.Select(n => new MidiNote(n.Pitch, n.Velocity)).ToList(), lead, slot, hold, length));
        RunFluidSynth(options, font, midi, wav);

        var all = AudioFile.ReadMono(wav, options.SampleRate);
        File.Delete(wav);
        int noteSamples = (int)Math.Round(options.NoteSeconds * options.SampleRate);
        var notes = new List<NoteInfo>(plan.Count);
        var silent = new List<string>();
        long clipped = 0;
        for (int i = 0; i < plan.Count; i++)
        {
            var (pitch, dyn, velocity) = plan[i];
            var id = $"{instrument.Name}_{pitch}_{dyn}";
            long start = (long)Math.Round((double)(lead + i * slot) / tps * options.SampleRate);
            var samples = new float[noteSamples];
            if (start < all.Samples.Length)
                Array.Copy(all.Samples, start, samples, 0, Math.Min(noteSamples, all.Samples.Length - start));
            var clip = new AudioClip(samples, options.SampleRate);
            float peak = clip.Peak;
            if (peak < SilenceThreshold) { silent.Add(id); continue; }
            var rel = $"{instrument.Name}/{id}.wav";
            clipped += AudioFile.WriteWav(Path.Combine(dir, instrument.Name, id + ".wav"), clip, WavSampleFormat.Pcm16);
            notes.Add(new NoteInfo(id, instrument.Name, instrument.Family, instrument.Program, pitch, InstrumentTable.NoteName(pitch),
                InstrumentTable.Frequency(pitch), dyn, velocity, rel, clip.Duration, peak, clip.Rms));
        }
        return (notes, silent, clipped);
    }

    private static void RunFluidSynth(NoteRenderOptions options, string font, string midi, string wav)
    {
        var args = new List<string>
        {
            "-ni", "-q", "-g", options.Gain.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-r", options.SampleRate.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-R", "0", "-C", "0", "-T", "wav", "-O", "float", "-o", "synth.cpu-cores=1", "-F", wav, font, midi,
        };
        var (code, output) = Run(options.FluidSynth, args);
        if (code != 0 || !File.Exists(wav))
            throw new InvalidOperationException($"fluidsynth failed on '{midi}' (exit code {code}): {Tail(output)}");
    }

    private static string FluidSynthVersion(string exe)
    {
        var (_, output) = Run(exe, ["--version"]);
        return output.Split('\n').FirstOrDefault(l => l.Contains("version", StringComparison.OrdinalIgnoreCase))?.Trim() ?? output.Trim();
    }

    private static (int Code, string Output) Run(string exe, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start '{exe}'");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run '{exe}': {e.Message} (install FluidSynth with `apt-get install fluidsynth`, or give its path)", e);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout + stderr.Result);
        }
    }

    private static string Tail(string text)
    {
        text = text.Trim();
        return text.Length <= 400 ? text : "…" + text[^400..];
    }
}
