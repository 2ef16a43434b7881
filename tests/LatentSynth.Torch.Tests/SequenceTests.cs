using System.Globalization;
using LatentSynth.Torch.IO;
using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;
using Xunit.Abstractions;

namespace LatentSynth.Torch.Tests;

/// <summary>
/// The sequence layers and ops (issue 12, part 1) against tests/goldens/seq.safetensors
/// (gen_seq.py, Debian's PyTorch 1.13): LSTM, GRU (layers, bidirectional, batch first, unbatched,
/// dropout, float64), LSTMCell, GRUCell (also unrolled 4 steps), Embedding (padding_idx,
/// scale_grad_by_freq); for each the state dict (keys, order, shapes, default initialisation bit
/// for bit), the printout, the results and the gradients with respect to the inputs, the initial
/// states and every parameter. Then topk, tempered softmax, argmax, log_softmax and cross-entropy
/// with ignore_index on padded sequences, categorical sampling with a Generator, the length mask
/// and the exponential learning-rate decay with a floor.
/// </summary>
/// <remarks>
/// <para>Runs in the process-wide collection: construction and dropout draw from the default
/// generator right after <see cref="Torch.ManualSeed"/>, and the leak test counts live tensors.</para>
/// <para><b>Tolerances</b> (float32 unless the case is float64). The goldens come from the same
/// libtorch kernels run with one thread; this project's default is one intra-op thread too.
/// <list type="bullet">
/// <item>Initialisation, embedding lookups, argmax/topk indices, samples, masks: exact. Same
/// generator, same draw order, same kernel; a lookup copies rows.</item>
/// <item>Recurrent layers and cells, forward and gradients: rtol 1e-5, atol 5e-6 (the bound
/// LayerTests uses for layers that sum). Each step is a GEMM (addmm of the gates) whose blocking
/// the BLAS picks by CPU (AMD EPYC here, other x86 in CI) and thread count, so float32 sums can be
/// reordered; an error of one ulp in a gate can grow through later steps and layers, and through
/// the backward pass over time. Measured with these goldens on this machine (AMD EPYC, OpenBLAS):
/// with 1, 2 and 4 intra-op threads (LATENTSYNTH_THREADS) every one of the 277 comparisons is
/// bit-identical (max |Δ| = 0); the tolerance is the margin for other CPUs' GEMM blocking. The
/// tests print the measured maxima (run with --logger "console;verbosity=detailed").</item>
/// <item>Float64 LSTM: rtol 1e-12, atol 1e-14.</item>
/// <item>Softmax with temperature, log_softmax, cross-entropy: rtol 1e-6, atol 1e-7 (row-wise
/// reductions of a few dozen terms; vectorised and scalar paths may round differently).</item>
/// <item>Learning rates: rtol 1e-15 against Python's closed form (the same libm pow), 1e-12
/// against PyTorch's chained ExponentialLR (30 products of rounding, as in OptimTests).</item>
/// </list></para>
/// </remarks>
[Collection(ProcessWideState.Name)]
public class SequenceTests(ITestOutputHelper output)
{
    private const string Area = "seq";
    private const double RnnRtol = 1e-5, RnnAtol = 5e-6;
    private const double F64Rtol = 1e-12, F64Atol = 1e-14;
    private const double SoftRtol = 1e-6, SoftAtol = 1e-7;

    private static readonly Lazy<Dictionary<string, string>> MetaLazy = new(() =>
    {
        using var file = SafeTensors.Read(Goldens.PathOf(Area));
        return new Dictionary<string, string>(file.Metadata);
    });

    private static Dictionary<string, string> Meta => MetaLazy.Value;

    /// <summary>Runs a layer on the given inputs (x, h0, c0; null when the case passes none) and names its results as gen_seq.py does.</summary>
    private delegate (string Name, Tensor Value)[] Runner(Module layer, Func<string, Tensor?> input);

    private static (string, Tensor)[] Lstm(Module m, Func<string, Tensor?> i)
    {
        var (o, h, c) = ((LSTM)m).Call(i("x")!, i("h0"), i("c0"));
        return [("output", o), ("h", h), ("c", c)];
    }

    private static (string, Tensor)[] Gru(Module m, Func<string, Tensor?> i)
    {
        var (o, h) = ((GRU)m).Call(i("x")!, i("h0"));
        return [("output", o), ("h", h)];
    }

    private static (string, Tensor)[] LstmCellStep(Module m, Func<string, Tensor?> i)
    {
        var (h, c) = ((LSTMCell)m).Call(i("x")!, i("h0"), i("c0"));
        return [("h", h), ("c", c)];
    }

    private static (string, Tensor)[] LstmCellUnroll(Module m, Func<string, Tensor?> i)
    {
        var cell = (LSTMCell)m;
        Tensor input = i("x")!, h = i("h0")!, c = i("c0")!;
        var hs = new List<Tensor>();
        for (int step = 0; step < 4; step++)
        {
            (h, c) = cell.Call(input, h, c);
            hs.Add(h);
            input = h;
        }
        return [("hs", Torch.Stack(hs)), ("c", c)];
    }

    private static (string, Tensor)[] GruCellStep(Module m, Func<string, Tensor?> i) => [("h", ((GRUCell)m).Call(i("x")!, i("h0")))];

    private static (string, Tensor)[] Embed(Module m, Func<string, Tensor?> i) => [("out", ((Embedding)m).Call(i("x")!))];

    /// <summary>Every layer case of gen_seq.py: the C# construction equivalent to its "ctor" metadata and how to run it.</summary>
    private static readonly Dictionary<string, (Func<Module> Make, Runner Run)> Layers = new()
    {
        ["lstm"] = (() => new LSTM(5, 7), Lstm),
        ["lstm.full"] = (() => new LSTM(5, 7, numLayers: 2, batchFirst: true, bidirectional: true), Lstm),
        ["lstm.unbatched"] = (() => new LSTM(4, 3, bias: false), Lstm),
        ["lstm.dropout"] = (() => new LSTM(4, 6, numLayers: 3, dropout: 0.4), Lstm),
        ["lstm.f64"] = (() => new LSTM(3, 4, bidirectional: true, dtype: DType.Float64), Lstm),
        ["gru"] = (() => new GRU(5, 7), Gru),
        ["gru.full"] = (() => new GRU(5, 7, numLayers: 2, batchFirst: true, bidirectional: true), Gru),
        ["gru.unbatched"] = (() => new GRU(4, 3, numLayers: 2, bias: false, batchFirst: true), Gru),
        ["gru.dropout"] = (() => new GRU(4, 6, numLayers: 2, dropout: 0.5), Gru),
        ["lstm_cell"] = (() => new LSTMCell(5, 7), LstmCellStep),
        ["lstm_cell.unbatched"] = (() => new LSTMCell(5, 7, bias: false), LstmCellStep),
        ["lstm_cell.unroll"] = (() => new LSTMCell(4, 4), LstmCellUnroll),
        ["gru_cell"] = (() => new GRUCell(5, 7), GruCellStep),
        ["gru_cell.unbatched"] = (() => new GRUCell(5, 7, bias: false), GruCellStep),
        ["embedding"] = (() => new Embedding(10, 4), Embed),
        ["embedding.pad"] = (() => new Embedding(10, 4, paddingIdx: 0), Embed),
        ["embedding.negpad"] = (() => new Embedding(6, 3, paddingIdx: -1, scaleGradByFreq: true), Embed),
    };

    public static TheoryData<string> LayerCases() => new(Layers.Keys);

    private static Module Build(string name)
    {
        Torch.ManualSeed(ulong.Parse(Meta[$"{name}.seed"], CultureInfo.InvariantCulture));
        return Layers[name].Make();
    }

    /// <summary>Compares within tolerance and logs the largest absolute difference measured.</summary>
    private void Compare(Tensor expected, Tensor actual, double rtol, double atol, string what)
    {
        Assert.Equal(expected.DType, actual.DType);
        Goldens.AssertClose(expected, actual, rtol, atol, what);
        if (expected.DType is DType.Float32 or DType.Float64 && expected.NumEl > 0)
        {
            using var scope = Torch.NewScope();
            double maxAbs = (expected - actual).Abs().Max().Item();
            output.WriteLine($"{what}: max |Δ| = {maxAbs:G3}");
        }
    }

    private static (double Rtol, double Atol) TolerancesFor(string name) =>
        name.StartsWith("embedding", StringComparison.Ordinal) ? (0, 0) // a lookup copies rows; its gradient adds a few rows in index order
        : name.EndsWith(".f64", StringComparison.Ordinal) ? (F64Rtol, F64Atol)
        : (RnnRtol, RnnAtol);

    /// <summary>Runs case <paramref name="name"/> on its golden inputs and compares results and all gradients.</summary>
    private void CheckRun(string name, Module layer, string prefix)
    {
        var (rtol, atol) = TolerancesFor(name);
        using var scope = Torch.NewScope();
        var inputs = new Dictionary<string, Tensor>();
        foreach (var k in new[] { "x", "h0", "c0" })
        {
            var key = $"{name}.{prefix}{k}";
            if (!Goldens.Has(Area, key)) continue;
            var t = Goldens.Get(Area, key);
            inputs[k] = t.DType is DType.Float32 or DType.Float64 ? t.Detach().RequiresGrad_() : t;
        }
        var results = Layers[name].Run(layer, k => inputs.GetValueOrDefault(k));
        foreach (var (rn, r) in results)
            Compare(Goldens.Get(Area, $"{name}.{prefix}out.{rn}"), r, rtol, atol, $"{name} {prefix}{rn}");

        var wrt = inputs.Where(e => e.Value.RequiresGrad).Select(e => ($"grad.{e.Key}", (Tensor)e.Value))
            .Concat(layer.NamedParameters().Select(p => ($"grad.{p.Name}", (Tensor)p.Parameter))).ToList();
        var gouts = results.Select(r => (Tensor?)Goldens.Get(Area, $"{name}.{prefix}gout.{r.Name}")).ToList();
        var grads = Autograd.Grad(results.Select(r => r.Value).ToList(), wrt.Select(w => w.Item2).ToList(), gouts, allowUnused: true);
        int compared = 0;
        for (int i = 0; i < wrt.Count; i++)
        {
            var key = $"{name}.{prefix}{wrt[i].Item1}";
            if (!Goldens.Has(Area, key))
            {
                Assert.Null(grads[i]);
                continue;
            }
            Assert.NotNull(grads[i]);
            Compare(Goldens.Get(Area, key), grads[i]!, rtol, atol, $"{name} {prefix}d/d{wrt[i].Item1[5..]}");
            compared++;
        }
        Assert.True(compared >= layer.NamedParameters().Count(), $"{name}: only {compared} gradients compared");
    }

    [Theory]
    [MemberData(nameof(LayerCases))]
    public void StateDictAndDefaultInitialisationMatchPyTorch(string name)
    {
        using var layer = Build(name);
        var keys = Meta[$"{name}.keys"].Split(',');
        using var sd = layer.StateDict();
        Assert.Equal(keys, sd.Keys);
        foreach (var key in keys)
        {
            using var golden = Goldens.Get(Area, $"{name}.sd.{key}");
            Assert.Equal(golden.Shape, sd[key].Shape);
            Compare(golden, sd[key], 0, 0, $"{name} init {key}");
        }
    }

    [Theory]
    [MemberData(nameof(LayerCases))]
    public void PyTorchStateDictLoadsStrictly(string name)
    {
        using var layer = Layers[name].Make();
        var sd = Goldens.WithPrefix(Area, $"{name}.sd.");
        try
        {
            var result = layer.LoadStateDict(sd);
            Assert.Empty(result.MissingKeys);
            Assert.Empty(result.UnexpectedKeys);
            using var mine = layer.StateDict();
            foreach (var (k, v) in sd) Goldens.AssertClose(v, mine[k], 0, 0, $"{name} loaded {k}");
        }
        finally
        {
            foreach (var t in sd.Values) t.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(LayerCases))]
    public void PrintoutMatchesPyTorchsRepr(string name)
    {
        using var layer = Layers[name].Make();
        Assert.Equal(Meta[$"{name}.repr"], layer.ToString());
    }

    [Theory]
    [MemberData(nameof(LayerCases))]
    public void ForwardAndGradientsMatchPyTorch(string name)
    {
        using var layer = Build(name);
        if (Meta.TryGetValue($"{name}.forward_seed", out var seed)) Torch.ManualSeed(ulong.Parse(seed, CultureInfo.InvariantCulture));
        CheckRun(name, layer, "");
        if (!Goldens.Has(Area, $"{name}.eval.x")) return;
        layer.Eval();
        CheckRun(name, layer, "eval.");
    }

    [Fact]
    public void DropoutBetweenLayersOnlyInTraining()
    {
        using var scope = Torch.NewScope();
        using var lstm = new LSTM(3, 5, numLayers: 2, dropout: 0.5);
        var x = Torch.Randn(4, 2, 3);
        Torch.ManualSeed(1);
        var a = lstm.Call(x).Output;
        Torch.ManualSeed(2);
        var b = lstm.Call(x).Output;
        Assert.False(a.AllClose(b), "training: two dropout masks gave the same output");
        lstm.Eval();
        Goldens.AssertClose(lstm.Call(x).Output, lstm.Call(x).Output, 0, 0, "eval is deterministic");
    }

    // ---- ops ---------------------------------------------------------------------------------

    /// <summary>Runs an op on golden inputs (those named in <paramref name="grad"/> as leaves) and compares out.<paramref name="result"/> and the gradients.</summary>
    private void CheckOp(string name, string[] inputs, string[] grad, Func<Tensor[], Tensor> op, double rtol, double atol, string result = "out")
    {
        using var scope = Torch.NewScope();
        var args = inputs.Select(n =>
        {
            var t = Goldens.Get(Area, $"{name}.{n}");
            return grad.Contains(n) ? t.Detach().RequiresGrad_() : t;
        }).ToArray();
        var y = op(args);
        Compare(Goldens.Get(Area, $"{name}.out.{result}"), y, rtol, atol, $"{name} output");
        if (grad.Length == 0) return;
        var leaves = grad.Select(g => args[Array.IndexOf(inputs, g)]).ToList();
        var grads = Autograd.Grad([y], leaves, [Goldens.Get(Area, $"{name}.gout.{result}")]);
        for (int i = 0; i < grad.Length; i++)
            Compare(Goldens.Get(Area, $"{name}.grad.{grad[i]}"), grads[i]!, rtol, atol, $"{name} d/d{grad[i]}");
    }

    [Fact]
    public void TopkMatchesPyTorch()
    {
        CheckOp("topk", ["x"], ["x"], a => a[0].Topk(3, dim: 1).Values, 0, 0, "values");
        CheckOp("topk.smallest", ["x"], ["x"], a => a[0].Topk(2, dim: 0, largest: false).Values, 0, 0, "values");
        using var scope = Torch.NewScope();
        Assert.Equal(Goldens.Get(Area, "topk.out.indices").ToArray<long>(), Goldens.Get(Area, "topk.x").Topk(3, 1).Indices.ToArray<long>());
        Assert.Equal(Goldens.Get(Area, "topk.smallest.out.indices").ToArray<long>(),
            Goldens.Get(Area, "topk.smallest.x").Topk(2, 0, largest: false).Indices.ToArray<long>());
    }

    [Fact]
    public void SoftmaxWithTemperatureArgmaxAndLogSoftmaxMatchPyTorch()
    {
        CheckOp("softmax_t.cold", ["x"], ["x"], a => F.SoftmaxWithTemperature(a[0], 0.5), SoftRtol, SoftAtol);
        CheckOp("softmax_t.hot", ["x"], ["x"], a => F.SoftmaxWithTemperature(a[0], 2.0, dim: 1), SoftRtol, SoftAtol);
        CheckOp("log_softmax_seq", ["x"], ["x"], a => F.LogSoftmax(a[0], 1), SoftRtol, SoftAtol);
        using var scope = Torch.NewScope();
        Assert.Equal(Goldens.Get(Area, "argmax.out").ToArray<long>(), Goldens.Get(Area, "argmax.x").Argmax(-1).ToArray<long>());
    }

    [Fact]
    public void CrossEntropyIgnoresPaddingLikePyTorch()
    {
        CheckOp("ce_seq.mean", ["x", "t", "w"], ["x"], a => F.CrossEntropy(a[0], a[1], a[2], ignoreIndex: 0), SoftRtol, SoftAtol);
        CheckOp("ce_seq.sum", ["x", "t", "w"], ["x"], a => F.CrossEntropy(a[0], a[1], a[2], ignoreIndex: 0, reduction: Reduction.Sum),
            SoftRtol, SoftAtol);
        CheckOp("ce_seq.flat", ["x", "t"], ["x"], a =>
        {
            using var logits = a[0].Transpose(1, 2);
            using var flat = logits.Reshape(-1, 7);
            using var targets = a[1].Reshape(-1);
            return F.CrossEntropy(flat, targets, ignoreIndex: 0);
        }, SoftRtol, SoftAtol);
    }

    [Theory]
    [InlineData("t1")]
    [InlineData("t07")]
    public void CategoricalSamplingDrawsWhatPyTorchDraws(string tag)
    {
        using var scope = Torch.NewScope();
        double temperature = double.Parse(Meta[$"sample.{tag}.temperature"], CultureInfo.InvariantCulture);
        using var gen = new Generator(ulong.Parse(Meta[$"sample.{tag}.seed"], CultureInfo.InvariantCulture));
        var drawn = F.SampleCategorical(Goldens.Get(Area, $"sample.{tag}.x"), temperature, gen);
        var expected = Goldens.Get(Area, $"sample.{tag}.out");
        Assert.Equal(expected.Shape, drawn.Shape);
        Assert.Equal(expected.ToArray<long>(), drawn.ToArray<long>());
    }

    [Fact]
    public void SequenceMaskMarksTheRealSteps()
    {
        using var scope = Torch.NewScope();
        var lengths = Goldens.Get(Area, "mask.lengths");
        var mask = Torch.SequenceMask(lengths);
        Assert.Equal(DType.Bool, mask.DType);
        Assert.Equal(Goldens.Get(Area, "mask.out").ToArray<bool>(), mask.ToArray<bool>());
        Assert.Equal(new long[] { 4, 7 }, Torch.SequenceMask(lengths, 7).Shape);
        Assert.Equal(Goldens.Get(Area, "mask.out7").ToArray<bool>(), Torch.SequenceMask(lengths, 7).ToArray<bool>());
        Assert.Equal(new long[] { 0, 0 }, Torch.SequenceMask(Torch.Zeros([0], DType.Int64)).Shape);
        Assert.Throws<ArgumentException>(() => Torch.SequenceMask(Tensor.From(new long[] { 2, -1 })));
        Assert.Throws<ArgumentException>(() => Torch.SequenceMask(Tensor.From(new float[] { 2, 1 })));
    }

    [Fact]
    public void ExponentialDecayWithAFloorMatchesItsClosedFormAndPyTorch()
    {
        using var scope = Torch.NewScope();
        using var p = new Parameter(Torch.Zeros(1));
        var floor = Goldens.Get(Area, "lr.floor").ToArray<double>();
        using var opt = new SGD([p], 1e-3);
        var sched = new ExponentialLR(opt, 0.8, minLR: 1e-4);
        var chained = Goldens.Get(Area, "lr.exponential").ToArray<double>();
        using var opt2 = new SGD([p], 1e-3);
        var plain = new ExponentialLR(opt2, 0.8);
        double worstFloor = 0, worstChain = 0;
        for (int t = 0; t < floor.Length; t++)
        {
            if (t > 0) { sched.Step(); plain.Step(); }
            Assert.Equal(floor[t], opt.LearningRate, floor[t] * 1e-15);
            Assert.Equal(chained[t], opt2.LearningRate, chained[t] * 1e-12);
            worstFloor = Math.Max(worstFloor, Math.Abs(floor[t] - opt.LearningRate) / floor[t]);
            worstChain = Math.Max(worstChain, Math.Abs(chained[t] - opt2.LearningRate) / chained[t]);
        }
        Assert.Equal(1e-4, opt.LearningRate); // reached the floor and stays there
        output.WriteLine($"lr: max relative Δ vs closed form {worstFloor:G3}, vs PyTorch's chained ExponentialLR {worstChain:G3}");
        var state = sched.StateDict();
        using var opt3 = new SGD([p], 1e-3);
        var again = new ExponentialLR(opt3, 0.8, minLR: 1e-4);
        again.LoadStateDict(state);
        Assert.Equal(sched.LastLR, again.LastLR);
        Assert.Throws<ArgumentException>(() => new ExponentialLR(opt, 1.5));
        Assert.Throws<ArgumentException>(() => new ExponentialLR(opt, 0.9, minLR: -1));
    }

    // ---- errors and handles ------------------------------------------------------------------

    [Fact]
    public void BadShapesAndArgumentsGiveMessagesNotCrashes()
    {
        using var scope = Torch.NewScope();
        using var lstm = new LSTM(5, 7, numLayers: 2);
        var e = Assert.Throws<ArgumentException>(() => lstm.Call(Torch.Zeros(6, 3, 4)));
        Assert.Contains("input.size(-1) must be equal to input_size. Expected 5, got 4", e.Message);
        e = Assert.Throws<ArgumentException>(() => lstm.Call(Torch.Zeros(6, 3, 5), Torch.Zeros(2, 3, 7)));
        Assert.Contains("both initial states h0 and c0", e.Message);
        e = Assert.Throws<ArgumentException>(() => lstm.Call(Torch.Zeros(6, 3, 5), Torch.Zeros(1, 3, 7), Torch.Zeros(1, 3, 7)));
        Assert.Contains("expected h0 of shape [2, 3, 7]", e.Message);
        // An unbatched input (L, H_in) takes unbatched states (layers·D, H).
        e = Assert.Throws<ArgumentException>(() => lstm.Call(Torch.Zeros(3, 5), Torch.Zeros(2, 1, 7), Torch.Zeros(2, 1, 7)));
        Assert.Contains("expected h0 of shape [2, 7]", e.Message);
        Assert.Throws<ArgumentException>(() => lstm.Call(Torch.Zeros([6, 3, 5], DType.Float64)));
        Assert.Throws<ArgumentException>(() => lstm.Call(Torch.Zeros(2, 6, 3, 5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GRU(3, 4, dropout: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LSTM(3, 4, numLayers: 0));
        e = Assert.Throws<ArgumentException>(() => F.Lstm(Torch.Zeros(2, 1, 3), Torch.Zeros(1, 1, 4), Torch.Zeros(1, 1, 4),
            lstm.FlatWeights, hasBiases: true, numLayers: 1, dropout: 0, training: false, bidirectional: false, batchFirst: false));
        Assert.Contains("take 4 parameter tensors, got 8", e.Message);

        using var cell = new GRUCell(3, 4);
        e = Assert.Throws<ArgumentException>(() => cell.Call(Torch.Zeros(2, 3), Torch.Zeros(3, 4)));
        Assert.Contains("expected h of shape [2, 4]", e.Message);
        // Straight to the kernel: libtorch's own check becomes a TorchException, the process lives.
        Assert.Throws<TorchException>(() => F.GruCell(Torch.Zeros(2, 5), Torch.Zeros(2, 4), cell.WeightIh, cell.WeightHh));
        Assert.Throws<TorchException>(() => F.LstmCell(Torch.Zeros(2, 3), Torch.Zeros(2, 4), Torch.Zeros(2, 5),
            Torch.Zeros(16, 3), Torch.Zeros(16, 4)));

        using var emb = new Embedding(5, 2, paddingIdx: 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(5, 2, paddingIdx: 5));
        Assert.Throws<TorchException>(() => emb.Call(Tensor.From(new long[] { 1, 5 })));
        e = Assert.Throws<ArgumentException>(() => emb.Call(Tensor.From(new float[] { 1, 2 })));
        Assert.Contains("indices must be int64 or int32", e.Message);

        Assert.Throws<TorchException>(() => Torch.Zeros(2, 3).Topk(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => F.SampleCategorical(Torch.Zeros(2, 3), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => F.SoftmaxWithTemperature(Torch.Zeros(2, 3), double.NaN));
    }

    [Fact]
    public void ForwardBackwardAndSamplingLeaveNoHandleBehind()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long baseline = Torch.LiveTensors;
        using (var lstm = new LSTM(4, 6, numLayers: 2, bidirectional: true, batchFirst: true))
        using (var gru = new GRU(4, 6))
        using (var cell = new LSTMCell(4, 6))
        using (var gcell = new GRUCell(4, 6))
        using (var emb = new Embedding(9, 4, paddingIdx: 0))
        using (var gen = new Generator(3))
        {
            for (int i = 0; i < 2; i++)
            {
                using var scope = Torch.NewScope();
                var tokens = Tensor.From(new long[] { 1, 2, 0, 3, 4, 0 }, 2, 3);
                var x = emb.Call(tokens);
                var (o, h, c) = lstm.Call(x);
                var (o2, h2) = gru.Call(Torch.Randn(3, 2, 4));
                var (hc, cc) = cell.Call(Torch.Randn(4));
                var hg = gcell.Call(Torch.Randn(4));
                var loss = o.Sum() + h.Sum() + c.Sum() + o2.Sum() + h2.Sum() + hc.Sum() + cc.Sum() + hg.Sum();
                loss.Backward();
                F.SampleCategorical(Torch.Randn(2, 3, 9), 0.8, gen);
                Torch.SequenceMask(Tensor.From(new long[] { 1, 3 }));
                Torch.Randn(3, 5).Topk(2);
                foreach (var m in new Module[] { lstm, gru, cell, gcell, emb }) m.ZeroGrad();
            }
        }
        Assert.Equal(baseline, Torch.LiveTensors);
    }
}
