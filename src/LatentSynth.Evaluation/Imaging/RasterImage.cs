namespace LatentSynth.Evaluation.Imaging;

/// <summary>
/// An 8-bit picture in memory: <see cref="Height"/> rows of <see cref="Width"/> pixels with one
/// (grey) or three (RGB) bytes each, top row first. Drawing clips at the borders. Colours in the
/// drawing methods are grey levels (0 black, 255 white), written to every channel.
/// </summary>
public sealed class RasterImage
{
    /// <summary>Creates an image filled with <paramref name="fill"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or channels is not 1 or 3.</exception>
    public RasterImage(int width, int height, int channels, byte fill = 0)
    {
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "width must be at least 1 pixel");
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "height must be at least 1 pixel");
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 (grey) or 3 (RGB)");
        long size = (long)width * height * channels;
        if (size > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(width), $"{width}×{height}×{channels} bytes is too large for one image");
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = new byte[size];
        if (fill != 0) Array.Fill(Pixels, fill);
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }
    /// <summary>Height in pixels.</summary>
    public int Height { get; }
    /// <summary>Bytes per pixel: 1 (grey) or 3 (RGB).</summary>
    public int Channels { get; }
    /// <summary>The samples, row by row, channel-interleaved.</summary>
    public byte[] Pixels { get; }

    /// <summary>The PNG colour type matching <see cref="Channels"/>.</summary>
    public PngColorType ColorType => Channels == 1 ? PngColorType.Grayscale : PngColorType.Rgb;

    /// <summary>Sample <paramref name="channel"/> of pixel (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public byte this[int x, int y, int channel = 0]
    {
        get => Pixels[Offset(x, y, channel)];
        set => Pixels[Offset(x, y, channel)] = value;
    }

    private int Offset(int x, int y, int channel)
    {
        if ((uint)x >= Width || (uint)y >= Height || (uint)channel >= Channels)
            throw new ArgumentOutOfRangeException(nameof(x), $"pixel ({x}, {y}) channel {channel} is outside a {Width}×{Height}×{Channels} image");
        return (y * Width + x) * Channels + channel;
    }

    /// <summary>Fills a rectangle (clipped to the image) with a grey level.</summary>
    public void FillRect(int x, int y, int width, int height, byte grey)
    {
        int x0 = Math.Max(0, x), y0 = Math.Max(0, y);
        int x1 = (int)Math.Min(Width, (long)x + width), y1 = (int)Math.Min(Height, (long)y + height);
        for (int yy = y0; yy < y1; yy++)
            Pixels.AsSpan((yy * Width + x0) * Channels, Math.Max(0, x1 - x0) * Channels).Fill(grey);
    }

    /// <summary>
    /// Draws <paramref name="text"/> in anti-aliased DejaVu Sans of <paramref name="size"/> pixels
    /// (see <see cref="LabelText"/>), the top-left corner of its line at (<paramref name="x"/>,
    /// <paramref name="y"/>), in grey level <paramref name="grey"/>.
    /// </summary>
    public void DrawText(string text, int x, int y, byte grey = 0, float size = LabelText.DefaultSize) =>
        LabelText.Draw(this, text, x, y, grey, size);

    /// <summary>
    /// Copies a picture of <paramref name="width"/>×<paramref name="height"/> pixels, given as
    /// planes of samples in [0, 1] (<paramref name="channels"/> planes, each row-major, as a tensor
    /// [C, H, W] lays them out), to (<paramref name="x"/>, <paramref name="y"/>), each pixel
    /// enlarged to a <paramref name="scale"/>×<paramref name="scale"/> block (nearest neighbour).
    /// Values are clamped to [0, 1], NaN drawn as 0, then rounded to 0…255. A one-channel picture
    /// on an RGB image is drawn grey; a three-channel picture on a grey image is drawn as its luma
    /// (0.299 R + 0.587 G + 0.114 B).
    /// </summary>
    public void DrawPlanes(ReadOnlySpan<float> planes, int channels, int width, int height, int x, int y, int scale = 1)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "pictures need 1 (grey) or 3 (RGB) channels");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        int plane = width * height;
        if (planes.Length != plane * channels)
            throw new ArgumentException($"expected {channels}×{height}×{width} = {plane * channels} values, got {planes.Length}", nameof(planes));
        for (int py = 0; py < height; py++)
            for (int px = 0; px < width; px++)
            {
                int src = py * width + px;
                for (int sy = 0; sy < scale; sy++)
                {
                    int yy = y + py * scale + sy;
                    if ((uint)yy >= Height) continue;
                    for (int sx = 0; sx < scale; sx++)
                    {
                        int xx = x + px * scale + sx;
                        if ((uint)xx >= Width) continue;
                        int dst = (yy * Width + xx) * Channels;
                        if (Channels == channels)
                            for (int c = 0; c < channels; c++) Pixels[dst + c] = ToByte(planes[c * plane + src]);
                        else if (channels == 1)
                            Pixels[dst] = Pixels[dst + 1] = Pixels[dst + 2] = ToByte(planes[src]);
                        else
                            Pixels[dst] = ToByte(0.299f * Clamp01(planes[src]) + 0.587f * Clamp01(planes[plane + src]) + 0.114f * Clamp01(planes[2 * plane + src]));
                    }
                }
            }
    }

    private static float Clamp01(float v) => float.IsNaN(v) ? 0f : Math.Clamp(v, 0f, 1f);

    /// <summary>A sample in [0, 1] as a byte: clamped, NaN as 0, rounded half away from zero.</summary>
    public static byte ToByte(float v) => (byte)MathF.Round(Clamp01(v) * 255f, MidpointRounding.AwayFromZero);

    /// <summary>The image as PNG bytes, with optional <c>tEXt</c> entries.</summary>
    public byte[] ToPng(IEnumerable<KeyValuePair<string, string>>? text = null) => Png.Encode(Pixels, Width, Height, ColorType, text);

    /// <summary>Writes the image as a PNG file (atomically, creating the folder).</summary>
    public void SavePng(string path, IEnumerable<KeyValuePair<string, string>>? text = null) => Png.Write(path, Pixels, Width, Height, ColorType, text);
}
