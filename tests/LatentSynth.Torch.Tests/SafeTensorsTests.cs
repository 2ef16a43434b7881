using LatentSynth.Torch.IO;

namespace LatentSynth.Torch.Tests;

public class SafeTensorsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lst-st-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string WriteSample()
    {
        var path = Path.Combine(dir, "sample.safetensors");
        using var a = Tensor.From(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var b = Tensor.From(new long[] { 7, 8 });
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["layer.weight"] = a, ["step"] = b },
            new Dictionary<string, string> { ["kind"] = "test" });
        return path;
    }

    [Fact]
    public void SavesAndLoadsTensorsAndMetadata()
    {
        var path = WriteSample();
        using var file = SafeTensors.Read(path);
        Assert.Equal("test", file.Metadata["kind"]);
        Assert.Equal([2L, 3L], file.Tensors["layer.weight"].Shape);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, file.Tensors["layer.weight"].ToArray<float>());
        Assert.Equal(new long[] { 7, 8 }, file.Tensors["step"].ToArray<long>());
        Assert.Empty(Directory.GetFiles(dir, "*.tmp")); // the atomic write left no temporary behind
    }

    [Fact]
    public void TruncatedFileNamesTheFileAndSaysTruncated()
    {
        var path = WriteSample();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);
        var e = Assert.Throws<SafeTensorsException>(() => SafeTensors.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void TamperedHeaderLengthIsRefused()
    {
        var path = WriteSample();
        var bytes = File.ReadAllBytes(path);
        BitConverter.GetBytes((ulong)bytes.Length * 10).CopyTo(bytes, 0);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<SafeTensorsException>(() => SafeTensors.Load(path));
        Assert.Contains("header length", e.Message);
    }

    [Fact]
    public void TamperedShapeNamesTheTensor()
    {
        var path = WriteSample();
        var text = File.ReadAllBytes(path);
        var s = System.Text.Encoding.Latin1.GetString(text).Replace("[2,3]", "[3,3]");
        File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes(s));
        var e = Assert.Throws<SafeTensorsException>(() => SafeTensors.Load(path));
        Assert.Equal("layer.weight", e.TensorName);
        Assert.Contains("needs 36", e.Message);
    }

    [Fact]
    public void GarbageIsRefusedWithoutCrashing()
    {
        var path = Path.Combine(dir, "garbage.safetensors");
        File.WriteAllBytes(path, new byte[] { 16, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'x', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });
        Assert.Throws<SafeTensorsException>(() => SafeTensors.Load(path));
        Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(Path.Combine(dir, "missing.safetensors")));
    }
}
