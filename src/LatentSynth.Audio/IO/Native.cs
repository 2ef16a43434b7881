using System.Runtime.InteropServices;

namespace LatentSynth.Audio.IO;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>SF_INFO of libsndfile's sndfile.h (frames, rate, channels, format, sections, seekable).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SfInfo
{
    public long Frames;
    public int SampleRate;
    public int Channels;
    public int Format;
    public int Sections;
    public int Seekable;
}

/// <summary>SF_FORMAT_INFO of sndfile.h: a format code and its name and extension (static strings).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SfFormatInfo
{
    public int Format;
    public nint Name;
    public nint Extension;
}

/// <summary>soxr_quality_spec_t of soxr.h (returned by value from soxr_quality_spec).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SoxrQualitySpec
{
    public double Precision;
    public double PhaseResponse;
    public double PassbandEnd;
    public double StopbandBegin;
    public nint E;
    public nuint Flags;
}

/// <summary>libsndfile's SNDFILE*: closed with sf_close.</summary>
internal sealed class SndFileHandle : SafeHandle
{
    public SndFileHandle() : base(0, ownsHandle: true) { }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => SndFile.sf_close(handle) == 0;
}

/// <summary>The libsndfile entry points we use (sndfile.h, libsndfile 1.x ABI).</summary>
internal static partial class SndFile
{
    private const string Lib = "libsndfile.so.1";

    public const int ModeRead = 0x10;
    public const int ModeWrite = 0x20;

    public const int FormatWav = 0x010000;
    public const int FormatFlac = 0x170000;
    public const int FormatOgg = 0x200000;
    public const int FormatMpeg = 0x230000;
    public const int SubPcmU8 = 0x0005;
    public const int SubMp3 = 0x0082;
    public const int SubPcm16 = 0x0002;
    public const int SubPcm24 = 0x0003;
    public const int SubPcm32 = 0x0004;
    public const int SubFloat = 0x0006;
    public const int SubVorbis = 0x0060;
    public const int TypeMask = 0x0FFF0000;
    public const int SubMask = 0x0000FFFF;

    public const int CmdGetLibVersion = 0x1000;
    public const int CmdGetFormatInfo = 0x1028;

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial SndFileHandle sf_open(string path, int mode, ref SfInfo info);

    [LibraryImport(Lib)]
    public static unsafe partial long sf_readf_float(SndFileHandle file, float* ptr, long frames);

    [LibraryImport(Lib)]
    public static unsafe partial long sf_writef_float(SndFileHandle file, float* ptr, long frames);

    [LibraryImport(Lib)]
    public static partial int sf_close(nint file);

    [LibraryImport(Lib)]
    public static partial nint sf_strerror(SndFileHandle? file);

    [LibraryImport(Lib, EntryPoint = "sf_strerror")]
    public static partial nint sf_strerror_global(nint zero);

    [LibraryImport(Lib)]
    public static partial int sf_error(SndFileHandle file);

    [LibraryImport(Lib)]
    public static partial int sf_format_check(ref SfInfo info);

    [LibraryImport(Lib)]
    public static unsafe partial int sf_command(nint file, int command, void* data, int size);

    /// <summary>The message for the last error on no open file (sf_open failures).</summary>
    public static string LastGlobalError() => Marshal.PtrToStringUTF8(sf_strerror_global(0)) ?? "unknown libsndfile error";

    /// <summary>The message for the last error on <paramref name="file"/>.</summary>
    public static string ErrorOf(SndFileHandle file) => Marshal.PtrToStringUTF8(sf_strerror(file)) ?? "unknown libsndfile error";

    /// <summary>The name libsndfile gives a major format or subtype code ("WAV (Microsoft)", "Signed 16 bit PCM").</summary>
    public static unsafe string FormatName(int code)
    {
        var info = new SfFormatInfo { Format = code };
        if (sf_command(0, CmdGetFormatInfo, &info, sizeof(SfFormatInfo)) != 0 || info.Name == 0)
            return $"0x{code:X}";
        return Marshal.PtrToStringUTF8(info.Name) ?? $"0x{code:X}";
    }

    /// <summary>"libsndfile-1.2.0".</summary>
    public static unsafe string Version()
    {
        var buffer = stackalloc byte[128];
        int n = sf_command(0, CmdGetLibVersion, buffer, 128);
        return n > 0 ? Marshal.PtrToStringUTF8((nint)buffer) ?? "" : "";
    }
}

/// <summary>The libsoxr entry points we use (soxr.h, libsoxr 0.1 ABI).</summary>
internal static unsafe partial class Soxr
{
    private const string Lib = "libsoxr.so.0";

    /// <summary>SOXR_VHQ = SOXR_28_BITQ in soxr.h.</summary>
    public const nuint VeryHighQuality = 6;

    [LibraryImport(Lib)]
    public static partial SoxrQualitySpec soxr_quality_spec(nuint recipe, nuint flags);

    // io_spec null: float32 interleaved in and out; runtime_spec null: defaults (one thread).
    [LibraryImport(Lib)]
    public static partial nint soxr_oneshot(double inputRate, double outputRate, uint channels,
        float* input, nuint inputLength, nuint* inputDone, float* output, nuint outputLength, nuint* outputDone,
        void* ioSpec, SoxrQualitySpec* qualitySpec, void* runtimeSpec);
}
