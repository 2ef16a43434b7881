using System.Globalization;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Tests;

using Torch = LatentSynth.Torch.Torch;

public class GenerationTests
{
    private static float[] Values(Tensor t) => t.Detach().Contiguous().ToArray<float>();

    [Fact]
    public void PictureShapesOfInputShapes()
    {
        Assert.Equal((1, 28, 28), Generation.PictureShape([1, 28, 28]));
        Assert.Equal((3, 4, 5), Generation.PictureShape([3, 4, 5]));
        Assert.Equal((1, 6, 9), Generation.PictureShape([6, 9]));
        Assert.Equal((1, 28, 28), Generation.PictureShape([784]));
        Assert.Contains("encode", Assert.Throws<ArgumentException>(() => Generation.PictureShape([10])).Message);
        Assert.Throws<ArgumentException>(() => Generation.PictureShape([2, 4, 4]));
        Assert.Throws<ArgumentException>(() => Generation.PictureShape([1, 1, 4, 4]));
    }

    [Fact]
    public void SamplesHaveTheModelsShapeValuesInUnitRangeAndFollowTheGenerator()
    {
        using var model = TestModels.Tiny();
        Assert.True(model.Training);
        using var scope = Torch.NewScope();
        using var g1 = new Generator(3);
        using var g2 = new Generator(3);
        using var a = Generation.Samples(model, 10, g1);
        using var b = Generation.Samples(model, 10, g2);
        Assert.Equal([10, 1, 7, 5], a.Images.Shape);
        Assert.Equal((4, 3), (a.Columns, a.Rows));
        Assert.All(Values(a.Images), v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(Values(a.Images), Values(b.Images));
        Assert.True(model.Training, "the model's mode is put back");
        Assert.False(a.Images.RequiresGrad);
        using var c = Generation.Samples(model, 10, g1, columns: 5);
        Assert.NotEqual(Values(a.Images), Values(c.Images));   // the generator moved on
        Assert.Equal(2, c.Rows);
        var image = c.Render(new() { Scale = 1, Padding = 1 });
        Assert.Equal((1 + 5 * 6, 1 + 2 * 8), (image.Width, image.Height));
        Assert.Throws<ArgumentOutOfRangeException>(() => Generation.Samples(model, 0));
    }

    [Fact]
    public void ReconstructionsPutInputsAboveTheirReconstructions()
    {
        using var model = TestModels.Tiny();
        using var data = TestModels.Data("d", 6, [1, 7, 5]);
        using var scope = Torch.NewScope();
        var x = data.Examples;
        using var grid = Generation.Reconstructions(model, x, ["0", "1", "2", "0", "1", "2"]);
        Assert.Equal([12, 1, 7, 5], grid.Images.Shape);
        Assert.Equal((6, 2), (grid.Columns, grid.Rows));
        Assert.Equal(["input", "recon"], grid.RowLabels);
        Assert.Equal(Values(x), Values(grid.Images.Narrow(0, 0, 6)));
        using (Torch.NoGrad())
            Assert.Equal(Values(model.Forward(x)), Values(grid.Images.Narrow(0, 6, 6)));
        Assert.All(Values(grid.Images), v => Assert.InRange(v, 0f, 1f));
        var e = Assert.Throws<ArgumentException>(() => Generation.Reconstructions(model, Torch.Zeros(2, 1, 5, 7)));
        Assert.Contains("x must be [B, 1, 7, 5]", e.Message);
        Assert.Contains("float32", Assert.Throws<ArgumentException>(() => Generation.Reconstructions(model, Torch.Zeros([2, 1, 7, 5], DType.Float64))).Message);
    }

    [Fact]
    public void LinearInterpolationEndsAtTheCodesAndIsEvenlySpaced()
    {
        using var scope = Torch.NewScope();
        var za = Tensor.From(new float[] { 0, 0, 1, 2 }, 2, 2);
        var zb = Tensor.From(new float[] { 4, 8, 1, -2 }, 2, 2);
        var codes = Generation.InterpolateCodes(za, zb, 5);
        Assert.Equal([2, 5, 2], codes.Shape);
        Assert.Equal(new float[] { 0, 0, 1, 2, 2, 4, 3, 6, 4, 8 }, Values(codes[0]));
        Assert.Equal(new float[] { 1, 2, 1, 1, 1, 0, 1, -1, 1, -2 }, Values(codes[1]));
    }

    [Fact]
    public void SphericalInterpolationFollowsTheGreatCircle()
    {
        using var scope = Torch.NewScope();
        // Unit vectors 90° apart: the midpoint is (1, 1)/√2, every point has norm 1.
        var za = Tensor.From(new float[] { 1, 0, 3, 0 }, 2, 2);
        var zb = Tensor.From(new float[] { 0, 1, 6, 0 }, 2, 2);   // second pair parallel: falls back to linear
        var codes = Generation.InterpolateCodes(za, zb, 3, InterpolationKind.Spherical);
        var v = Values(codes);
        // float32 results of double arithmetic: within one rounding of the exact values.
        Assert.Equal(1f, v[0]); Assert.Equal(0f, v[1]);
        Assert.Equal((float)Math.Sqrt(0.5), v[2], 6);
        Assert.Equal((float)Math.Sqrt(0.5), v[3], 6);
        Assert.Equal(0f, v[4], 6); Assert.Equal(1f, v[5], 6);
        Assert.Equal(new float[] { 3, 0, 4.5f, 0, 6, 0 }, v[6..]);
        // At 60° (t = 1/3 of 90°... any t) the norm stays 1.
        var many = Values(Generation.InterpolateCodes(za.Narrow(0, 0, 1), zb.Narrow(0, 0, 1), 7, InterpolationKind.Spherical));
        for (int j = 0; j < 7; j++) Assert.Equal(1.0, Math.Sqrt(many[2 * j] * many[2 * j] + many[2 * j + 1] * many[2 * j + 1]), 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => Generation.InterpolateCodes(za, zb, 1));
        Assert.Throws<ArgumentException>(() => Generation.InterpolateCodes(za, zb.Narrow(0, 0, 1), 3));
    }

    [Theory]
    [InlineData(InterpolationKind.Linear)]
    [InlineData(InterpolationKind.Spherical)]
    public void InterpolationRowsHoldBothInputsAroundTheDecodedPath(InterpolationKind kind)
    {
        using var model = TestModels.Tiny();
        using var data = TestModels.Data("d", 6, [1, 7, 5]);
        using var scope = Torch.NewScope();
        var xa = data.Examples.Narrow(0, 0, 3);
        var xb = data.Examples.Narrow(0, 3, 3);
        using var grid = Generation.Interpolations(model, xa, xb, 4, kind, ["0→1", "1→2", "2→0"]);
        Assert.Equal([3 * 6, 1, 7, 5], grid.Images.Shape);
        Assert.Equal((6, 3), (grid.Columns, grid.Rows));
        Assert.Equal(["A", "0", "0.33", "0.67", "1", "B"], grid.ColumnLabels);
        var rows = grid.Images.Reshape(3, 6, 1, 7, 5);
        Assert.Equal(Values(xa), Values(rows.Select(1, 0)));
        Assert.Equal(Values(xb), Values(rows.Select(1, 5)));
        using (Torch.NoGrad())
        {
            // t = 0 and t = 1 decode the codes of a and b themselves.
            var da = Values(model.Forward(xa));
            var db = Values(model.Forward(xb));
            var first = Values(rows.Select(1, 1));
            var last = Values(rows.Select(1, 4));
            for (int i = 0; i < da.Length; i++)
            {
                Assert.Equal(da[i], first[i], 5);   // the path's end codes are recomputed in double, then rounded
                Assert.Equal(db[i], last[i], 5);
            }
        }
        var png = DecodedPng.Read(grid.Render().ToPng());
        Assert.Equal(grid.Render().Pixels, png.Pixels);
    }

    [Fact]
    public void TraversalMovesOneDimensionPerRowAroundTheExamplesCode()
    {
        // Identity model: the code is the picture, so row d column j is x with pixel d moved by offset j.
        using var model = TestModels.Identity([1, 2, 2]);
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[] { 0.1f, 0.2f, 0.3f, 0.4f }, 1, 1, 2, 2);
        using var grid = Generation.Traversals(model, x, 0.5, 3);
        Assert.Equal([4 * 3, 1, 2, 2], grid.Images.Shape);
        Assert.Equal(["z0", "z1", "z2", "z3"], grid.RowLabels);
        Assert.Equal(["-0.5", "0", "+0.5"], grid.ColumnLabels);
        var v = Values(grid.Images);
        float[] offsets = [-0.5f, 0, 0.5f];
        for (int d = 0; d < 4; d++)
            for (int j = 0; j < 3; j++)
                for (int p = 0; p < 4; p++)
                {
                    float expected = 0.1f * (p + 1) + (p == d ? offsets[j] : 0);
                    Assert.Equal(expected, v[(d * 3 + j) * 4 + p], 6);
                }
        // Absolute values replace the code's own; an example without its batch dimension is accepted.
        using var abs = Generation.Traversals(model, x.Squeeze(0), 2, 2, absolute: true);
        Assert.Equal(["-2", "2"], abs.ColumnLabels);
        Assert.Equal(new float[] { -2, 0.2f, 0.3f, 0.4f, 2, 0.2f, 0.3f, 0.4f }, Values(abs.Images)[..8]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Generation.Traversals(model, x, 0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Generation.Traversals(model, x, 1, 1));
        Assert.Contains("one example", Assert.Throws<ArgumentException>(() => Generation.Traversals(model, Torch.Zeros(2, 1, 2, 2), 1, 3)).Message);
    }

    [Fact]
    public void TraversalOfManyDimensionsShowsTheTwentyMostVariable()
    {
        // 25 latent dimensions (identity on 5×5); the reference data vary dimension d with standard
        // deviation 2^(r/2), r = (d * 7) mod 25 a permutation, so neighbouring ranks differ 2x in
        // variance (far beyond the ~7% sampling error of 400 draws) and the ranking is known.
        using var model = TestModels.Identity([1, 5, 5]);
        using var scope = Torch.NewScope();
        using var g = new Generator(11);
        var scales = Enumerable.Range(0, 25).Select(d => (float)Math.Pow(2, (d * 7) % 25 / 2.0)).ToArray();
        var reference = Torch.Randn([400, 25], generator: g).Mul(Tensor.From(scales, 25)).Reshape(400, 1, 5, 5);
        var expected = Enumerable.Range(0, 25).OrderByDescending(d => scales[d]).Take(20).ToArray();
        Assert.Equal(expected, Generation.TraversalDimensions(model, reference));
        Assert.Equal(expected[..3], Generation.TraversalDimensions(model, reference, maxDims: 3));

        using var grid = Generation.Traversals(model, reference.Narrow(0, 0, 1), 3, 5, reference);
        Assert.Equal(20, grid.Rows);
        Assert.Equal(expected.Select(d => "z" + d.ToString(CultureInfo.InvariantCulture)), grid.RowLabels);
        Assert.Equal([100, 1, 5, 5], grid.Images.Shape);

        var e = Assert.Throws<ArgumentException>(() => Generation.Traversals(model, reference.Narrow(0, 0, 1), 3, 5));
        Assert.Contains("25 latent dimensions", e.Message);
        Assert.Contains("reference", e.Message);
        // At most 20 dimensions: all of them, in order, no reference needed.
        using var small = TestModels.Tiny(latentDim: 4);
        Assert.Equal([0, 1, 2, 3], Generation.TraversalDimensions(small, null));
    }

    [Fact]
    public void EncodeGivesTheCodesOfEveryExampleWithLabels()
    {
        using var model = TestModels.Tiny();
        using var data = TestModels.Data("d", 23, [1, 7, 5]);
        using var scope = Torch.NewScope();
        var codes = Generation.Encode(model, data, batchSize: 5);   // several batches and a partial one
        Assert.Equal((23, 3), (codes.Count, codes.Dim));
        // Batches of 5 against one batch of 23: the GEMM kernel may block its sums by batch size
        // (measured on AMD EPYC: 0.118163243 vs 0.118163213, 2.5e-7 relative), so equal to float32 rounding.
        using (Torch.NoGrad())
        {
            var whole = Values(model.Encode(data.Examples));
            Assert.Equal(whole.Length, codes.Means.Length);
            for (int i = 0; i < whole.Length; i++)
                Assert.True(Math.Abs(whole[i] - codes.Means[i]) <= 1e-6 + 1e-5 * Math.Abs(whole[i]), $"code value {i}: {whole[i]} vs {codes.Means[i]}");
        }
        Assert.Equal(data.Labels!.ToArray<long>(), codes.Labels);
        using var unlabelled = new Data.TensorDataset("u", Torch.Rand(4, 1, 7, 5).DetachFromScope());
        Assert.Null(Generation.Encode(model, unlabelled).Labels);
    }

    [Fact]
    public void PairsAreOfDifferentClassesAndNeverReuseAnExample()
    {
        using var data = TestModels.Data("d", 30, [1, 7, 5], classes: 3);
        var labels = data.Labels!.ToArray<long>();
        using var g = new Generator(4);
        var (a, b) = Generation.PickPairs(data, 15, g);      // every example used
        Assert.Equal(30, a.Concat(b).Distinct().Count());
        int differing = a.Zip(b).Count(p => labels[p.First] != labels[p.Second]);
        Assert.True(differing >= 13, $"{differing} of 15 pairs of different classes");  // only the last pairs may run out of partners
        var (a4, b4) = Generation.PickPairs(data, 4, g);
        Assert.All(a4.Zip(b4), p => Assert.NotEqual(labels[p.First], labels[p.Second]));
        using var g1 = new Generator(9);
        using var g2 = new Generator(9);
        var (p1, q1) = Generation.PickPairs(data, 5, g1);
        var (p2, q2) = Generation.PickPairs(data, 5, g2);
        Assert.Equal(p1, p2);
        Assert.Equal(q1, q2);
        Assert.Throws<ArgumentOutOfRangeException>(() => Generation.PickPairs(data, 16, g));

        var picked = Generation.PickExamples(data, 30, g);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), picked.Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => Generation.PickExamples(data, 31, g));
    }

    [Fact]
    public void RgbModelsGiveRgbGrids()
    {
        using var model = TestModels.Tiny([3, 4, 6], latentDim: 2);
        using var scope = Torch.NewScope();
        using var grid = Generation.Samples(model, 3);
        var image = grid.Render(new() { Columns = 3, Scale = 1, Padding = 0 });
        Assert.Equal((18, 4, 3), (image.Width, image.Height, image.Channels));
        var decoded = DecodedPng.Read(image.ToPng());
        Assert.Equal(3, decoded.Channels);
        // The first picture's top-left pixel is (R, G, B) of plane 0, 1, 2.
        var v = Values(grid.Images);
        Assert.Equal(new[] { RasterImage(v[0]), RasterImage(v[24]), RasterImage(v[48]) }, decoded.Pixels[..3]);

        static byte RasterImage(float x) => Imaging.RasterImage.ToByte(x);
    }
}
