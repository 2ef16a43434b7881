using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;

namespace LatentSynth.Data;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>The converted cache of an npm image package: one safetensors file (pixels, labels, the hashes and counts it was built from), read back instead of parsing the package again.</summary>
public sealed partial class NpmImageDataset
{
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
}
