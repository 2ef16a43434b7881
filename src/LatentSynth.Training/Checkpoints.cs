using LatentSynth.Torch;
using LatentSynth.Torch.IO;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LatentSynth.Training;

/// <summary>
/// The trainer's own state in a checkpoint (<c>trainer.json</c>): where training stands, both
/// random streams, and the partial sums of an epoch interrupted in the middle, so that a resumed
/// run continues exactly as an uninterrupted one would have.
/// </summary>
public sealed record TrainerState
{
    /// <summary>Format tag of <c>trainer.json</c>.</summary>
    public const string CurrentFormat = "latentsynth.trainer-state/1";

    /// <summary>Format tag (<see cref="CurrentFormat"/>).</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>Complete epochs.</summary>
    public int EpochsDone { get; init; }

    /// <summary>Optimisation steps done in the whole run.</summary>
    public long Step { get; init; }

    /// <summary>Steps done in the epoch after <see cref="EpochsDone"/> (0 at an epoch boundary).</summary>
    public long StepInEpoch { get; init; }

    /// <summary>The default generator's state (<c>torch.get_rng_state()</c>), base64.</summary>
    public string DefaultRng { get; init; } = "";

    /// <summary>
    /// The batch sampler's generator state from which the order of epoch <see cref="EpochsDone"/> + 1
    /// is drawn (its start state when that epoch was interrupted), base64.
    /// </summary>
    public string SamplerRng { get; init; } = "";

    /// <summary>Sums over the examples already seen in an interrupted epoch ("loss" and each term, times the batch size).</summary>
    public Dictionary<string, double> TrainSums { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Examples already seen in an interrupted epoch.</summary>
    public long TrainExamples { get; init; }

    /// <summary>Seconds already spent in an interrupted epoch.</summary>
    public double EpochSeconds { get; init; }

    /// <summary>Seconds spent training over the whole run so far.</summary>
    public double TotalSeconds { get; init; }

    /// <summary>The number of data-parallel processes the run trains on (1 alone); a resume with another is refused.</summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>Training examples the run uses (after limits); a resume on different data is refused.</summary>
    public long TrainCount { get; init; }

    /// <summary>Test examples the run uses (after limits).</summary>
    public long TestCount { get; init; }

    /// <summary>
    /// Fingerprint of the training examples the run uses (<see cref="Trainer.DataHash"/>); a resume
    /// on data with another fingerprint is refused unless allowed. Empty in checkpoints written
    /// before it was recorded (those resume without the check).
    /// </summary>
    public string TrainDataHash { get; init; } = "";

    /// <summary>Names of the model's optimizers (one <c>optimizer-NAME.safetensors</c> each).</summary>
    public List<string> Optimizers { get; init; } = new();

    /// <summary>The checkpoint's files and their sizes in bytes (checked when it is loaded).</summary>
    public Dictionary<string, long> Files { get; init; } = new(StringComparer.Ordinal);

    /// <summary>When the checkpoint was written (UTC, ISO 8601).</summary>
    public string CreatedUtc { get; init; } = "";

    /// <summary>True when written in the middle of an epoch.</summary>
    [JsonIgnore]
    public bool Partial => StepInEpoch > 0;

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}

/// <summary>A complete checkpoint on disk.</summary>
/// <param name="Name">Folder name (for example <c>epoch-3</c> or <c>epoch-3-step-1234</c>).</param>
/// <param name="Path">Folder path.</param>
/// <param name="State">Its trainer state.</param>
public sealed record Checkpoint(string Name, string Path, TrainerState State)
{
    /// <summary>The model weights file.</summary>
    public string ModelPath => System.IO.Path.Combine(Path, CheckpointStore.ModelFile);

    /// <summary>The state file of optimizer <paramref name="name"/>.</summary>
    public string OptimizerPath(string name) => System.IO.Path.Combine(Path, CheckpointStore.OptimizerFile(name));
}

/// <summary>
/// The checkpoints of a run folder (<c>RUN/checkpoints/</c>), written so that a crash, a kill or a
/// full disk at any moment never leaves a corrupt checkpoint as the latest one.
/// </summary>
/// <remarks>
/// A checkpoint is a folder holding <c>model.safetensors</c>, one <c>optimizer-NAME.safetensors</c>
/// per optimizer and <c>trainer.json</c> (written last, listing every file with its size). It is
/// written whole into a hidden temporary folder (<c>.NAME.tmp-XXXX</c>), which is then renamed to
/// <c>NAME</c>; only then is the pointer file <c>latest</c> replaced (temporary file + rename) by
/// one naming it. Readers follow <c>latest</c> only, so they see either the previous checkpoint or
/// the new one, complete. Older checkpoints beyond the number kept, and leftovers of interrupted
/// writes, are deleted after each commit.
/// </remarks>
public sealed class CheckpointStore
{
    /// <summary>Weights file name inside a checkpoint.</summary>
    public const string ModelFile = "model.safetensors";

    /// <summary>Trainer state file name inside a checkpoint.</summary>
    public const string StateFile = "trainer.json";

    /// <summary>Name of the pointer file naming the latest complete checkpoint.</summary>
    public const string LatestFile = "latest";

    /// <summary>Creates the store of run folder <paramref name="runDir"/>.</summary>
    public CheckpointStore(string runDir)
    {
        ArgumentNullException.ThrowIfNull(runDir);
        Dir = Path.Combine(runDir, "checkpoints");
    }

    /// <summary>The checkpoints folder.</summary>
    public string Dir { get; }

    /// <summary>
    /// Test hook, called with each file name after that file is written into the temporary folder,
    /// and with "commit" after the folder is renamed but before <c>latest</c> is updated. A throw
    /// simulates a crash at that point.
    /// </summary>
    internal Action<string>? Hook { get; set; }

    /// <summary>File name of the state of optimizer <paramref name="name"/>.</summary>
    public static string OptimizerFile(string name)
    {
        var safe = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        return $"optimizer-{safe}.safetensors";
    }

    /// <summary>The name of the latest complete checkpoint, or null when there is none.</summary>
    /// <exception cref="IOException">The pointer file names something other than a plain checkpoint name inside <see cref="Dir"/>.</exception>
    public string? LatestName
    {
        get
        {
            var pointer = Path.Combine(Dir, LatestFile);
            if (!File.Exists(pointer)) return null;
            var name = File.ReadAllText(pointer).Trim();
            if (name.Length == 0) return null;
            if (!IsPlainName(name))
                throw new IOException(
                    $"{pointer} names '{name}', which is not a checkpoint folder of this run: it must be a plain name such as " +
                    $"epoch-3 (no '/', '\\' or '..', not an absolute path); write the name of a folder in {Dir} into it");
            return name;
        }
    }

    /// <summary>
    /// Whether <paramref name="name"/> can only name a folder directly inside <see cref="Dir"/>: not
    /// empty, no path separator, not "." or "..", not rooted, no character invalid in a file name.
    /// The pointer file is user-editable text, so it is never followed elsewhere.
    /// </summary>
    public static bool IsPlainName(string name) =>
        !string.IsNullOrEmpty(name) && name is not ("." or "..") && !name.Contains("..", StringComparison.Ordinal) &&
        name.IndexOfAny(['/', '\\']) < 0 && name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0 && !Path.IsPathRooted(name);

    /// <summary>
    /// The latest complete checkpoint, or null when none was committed yet.
    /// </summary>
    /// <exception cref="IOException">The checkpoint <c>latest</c> names is missing, incomplete or unreadable.</exception>
    public Checkpoint? Latest() => LatestName is { } name ? Read(name) : null;

    /// <summary>Reads and checks checkpoint <paramref name="name"/>.</summary>
    /// <exception cref="IOException">Missing folder or file, a file of the wrong size, or an unreadable trainer.json.</exception>
    public Checkpoint Read(string name)
    {
        if (!IsPlainName(name))
            throw new IOException($"'{name}' is not a checkpoint name of {Dir} (a plain folder name such as epoch-3)");
        var path = Path.Combine(Dir, name);
        var statePath = Path.Combine(path, StateFile);
        if (!File.Exists(statePath))
            throw new IOException($"checkpoint '{path}' is incomplete: {StateFile} is missing");
        TrainerState? state;
        try { state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(statePath), TrainerState.Json); }
        catch (JsonException e) { throw new IOException($"checkpoint '{path}': {StateFile} is not valid: {e.Message}", e); }
        if (state is null || state.Format != TrainerState.CurrentFormat)
            throw new IOException($"checkpoint '{path}': {StateFile} has format '{state?.Format}', expected '{TrainerState.CurrentFormat}'");
        foreach (var (file, size) in state.Files)
        {
            var f = new FileInfo(Path.Combine(path, file));
            if (!f.Exists) throw new IOException($"checkpoint '{path}' is incomplete: {file} is missing");
            if (f.Length != size) throw new IOException($"checkpoint '{path}' is corrupt: {file} is {f.Length} bytes, {StateFile} recorded {size}");
        }
        if (!state.Files.ContainsKey(ModelFile)) throw new IOException($"checkpoint '{path}' lists no {ModelFile}");
        return new Checkpoint(name, path, state);
    }

    /// <summary>
    /// The first floating-point tensor of <paramref name="tensors"/> holding a NaN or infinite value,
    /// with the count of such values; null when every value is finite.
    /// </summary>
    public static (string Tensor, long Count)? FirstNonFinite(IEnumerable<KeyValuePair<string, LatentSynth.Torch.Tensor>> tensors)
    {
        foreach (var (key, t) in tensors)
        {
            if (!t.DType.IsFloatingPoint()) continue;
            using var scope = LatentSynth.Torch.Torch.NewScope();
            if (t.IsFinite().All().Item() != 0) continue;
            return (key, t.NumEl - t.IsFinite().Sum().ItemLong());
        }
        return null;
    }

    /// <summary>
    /// The newest checkpoint other than <paramref name="bad"/> that is intact: its trainer.json and
    /// file sizes check out and its weights parse and are all finite. Null when none is.
    /// </summary>
    public Checkpoint? NewestIntactOtherThan(string bad)
    {
        if (!Directory.Exists(Dir)) return null;
        var candidates = new List<Checkpoint>();
        foreach (var dir in Directory.GetDirectories(Dir))
        {
            var name = Path.GetFileName(dir);
            if (name == bad || !name.StartsWith("epoch-", StringComparison.Ordinal)) continue;
            try { candidates.Add(Read(name)); }
            catch (IOException) { }
        }
        foreach (var c in candidates.OrderByDescending(c => c.State.Step))
        {
            try
            {
                using var file = SafeTensors.Read(c.ModelPath);
                if (FirstNonFinite(file.Tensors) is null) return c;
            }
            catch (IOException) { }
        }
        return null;
    }

    /// <summary>
    /// What to do when checkpoint <paramref name="bad"/> (the latest) cannot be used: the command
    /// that makes the newest intact earlier checkpoint the latest, or, when none is left, to train
    /// again. Starts with "; ", to be appended to an error message.
    /// </summary>
    public string FallbackAdvice(string bad)
    {
        var pointer = Path.Combine(Dir, LatestFile);
        return NewestIntactOtherThan(bad) is { } good
            ? $"; the newest intact earlier checkpoint is {good.Name} ({(good.State.EpochsDone == 1 ? "1 epoch" : $"{good.State.EpochsDone} epochs")}): use it with `echo {good.Name} > {pointer}`"
            : "; no other intact checkpoint is left: train the run again";
    }

    /// <summary>
    /// Writes checkpoint <paramref name="name"/>: each of <paramref name="files"/> (a file name and a
    /// writer taking the path to write) into a temporary folder, then <paramref name="state"/> as
    /// trainer.json, then renames the folder into place, points <c>latest</c> at it and prunes old
    /// checkpoints, keeping <paramref name="keep"/>. Returns the committed checkpoint.
    /// </summary>
    /// <exception cref="IOException">A write failed; the previous latest checkpoint is untouched.</exception>
    public Checkpoint Commit(string name, IReadOnlyList<(string File, Action<string> Write)> files, TrainerState state, int keep)
    {
        Directory.CreateDirectory(Dir);
        var previous = LatestName;
        if (name == previous) throw new InvalidOperationException($"checkpoint '{name}' is already the latest one");
        var tmp = Path.Combine(Dir, $".{name}.tmp-{Guid.NewGuid():N}");
        var final = Path.Combine(Dir, name);
        try
        {
            Directory.CreateDirectory(tmp);
            var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (file, write) in files)
            {
                var path = Path.Combine(tmp, file);
                write(path);
                sizes[file] = new FileInfo(path).Length;
                Hook?.Invoke(file);
            }
            state = state with { Files = sizes, CreatedUtc = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture) };
            WriteDurably(Path.Combine(tmp, StateFile), JsonSerializer.Serialize(state, TrainerState.Json));
            Hook?.Invoke(StateFile);
            // A folder of this name that is not the latest is a leftover of a crash between the
            // rename and the pointer update: it was never the latest, so it can go.
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
            Directory.Move(tmp, final);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            TryDelete(tmp); // best effort: the next commit also cleans leftovers
            var keptNote = previous is null ? "no checkpoint was committed before" : $"the latest checkpoint is still '{previous}'";
            throw new IOException($"checkpoint '{name}' could not be written ({e.Message}); {keptNote}", e);
        }
        Hook?.Invoke("commit");
        AtomicFile.WriteAllText(Path.Combine(Dir, LatestFile), name + "\n");
        Prune(name, keep);
        return new Checkpoint(name, final, state);
    }

    private static void WriteDurably(string path, string text)
    {
        using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        fs.Write(System.Text.Encoding.UTF8.GetBytes(text));
        fs.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Deletes leftovers of interrupted writes (hidden <c>.NAME.tmp-*</c> folders) and every
    /// checkpoint except the <paramref name="keep"/> most recent complete ones (the latest always kept).
    /// </summary>
    public void Prune(string latest, int keep)
    {
        if (!Directory.Exists(Dir)) return;
        var complete = new List<(string Path, long Step)>();
        foreach (var dir in Directory.GetDirectories(Dir))
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith('.') && name.Contains(".tmp-", StringComparison.Ordinal))
            {
                TryDelete(dir);
                continue;
            }
            if (name == latest || !name.StartsWith("epoch-", StringComparison.Ordinal)) continue;
            try { complete.Add((dir, Read(name).State.Step)); }
            catch (IOException) { TryDelete(dir); } // never complete: a crash leftover
        }
        foreach (var (dir, _) in complete.OrderByDescending(c => c.Step).Skip(Math.Max(0, keep - 1)))
            TryDelete(dir);
    }

    private static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>The name of a checkpoint: <c>epoch-N</c> after N complete epochs, <c>epoch-N-step-S</c> when interrupted inside epoch N + 1 at run step S.</summary>
    public static string NameFor(TrainerState state) =>
        state.Partial ? $"epoch-{state.EpochsDone}-step-{state.Step}" : $"epoch-{state.EpochsDone}";
}
