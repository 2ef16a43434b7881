using LatentSynth.Torch.IO;
using LatentSynth.Torch.NN;

namespace LatentSynth.Torch.Tests;

/// <summary>
/// Module infrastructure on a hand-made tree identical to the one tests/goldens/gen_nn_module.py
/// builds in PyTorch: names, order and printout must be PyTorch's exactly.
/// </summary>
public class ModuleTests
{
    /// <summary>A leaf like gen_nn_module.py's: weight [3,2], bias [3], an absent parameter,
    /// a persistent buffer and a non-persistent one. Forward logs its tag and clones its input.</summary>
    private sealed class Leaf : Module<Tensor, Tensor>
    {
        private readonly List<string>? log;
        private readonly string tag;

        public Leaf(float b, List<string>? log = null, string tag = "")
        {
            this.log = log;
            this.tag = tag;
            Weight = RegisterParameter("weight", new Parameter(Tensor.From(Enumerable.Range(0, 6).Select(i => i + b).ToArray(), 3, 2)));
            Bias = RegisterParameter("bias", new Parameter(Tensor.From(Enumerable.Range(0, 3).Select(i => i - b).ToArray(), 3)));
            RegisterParameter("absent", null);
            Running = RegisterBuffer("running", Tensor.From(new[] { b, b, b }));
            RegisterBuffer("scratch", Tensor.From(new float[2]), persistent: false);
        }

        public Parameter Weight { get; }
        public Parameter Bias { get; }
        public Tensor Running { get; }

        protected override string ExtraRepr() => "in=2, out=3";

        public override Tensor Forward(Tensor input)
        {
            log?.Add(tag);
            return input.Clone();
        }
    }

    private sealed class Net : Module
    {
        public Net(float offset = 0)
        {
            Scale = RegisterParameter("scale", new Parameter(Tensor.From(new[] { 2f + offset }, 1)));
            Encoder = RegisterModule("encoder", new Sequential(new Leaf(10 + offset), new Leaf(20 + offset)));
            Head = RegisterModule("head", new Leaf(30 + offset));
            RegisterBuffer("count", Tensor.From(new[] { 7L + (long)offset }, 1));
            RegisterModule("blocks", new Sequential(("first", (Module<Tensor, Tensor>)new Leaf(40 + offset))));
        }

        public Parameter Scale { get; }
        public Sequential Encoder { get; }
        public Leaf Head { get; }
    }

    /// <summary>A container with no forward, for registration tests.</summary>
    private sealed class Box : Module
    {
    }

    private static SafeTensorsFile PyTorchTree() =>
        SafeTensors.Read(Goldens.PathOf("nn_module"));

    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"ls-module-{Guid.NewGuid():N}.safetensors");

    [Fact]
    public void NamesOrderAndValuesMatchPyTorch()
    {
        using var net = new Net();
        using var golden = PyTorchTree();
        var meta = golden.Metadata;
        using var sd = net.StateDict();
        Assert.Equal(meta["state_dict_keys"].Split(','), sd.Keys);
        Assert.Equal(meta["named_parameters"].Split(','), net.NamedParameters().Select(p => p.Name));
        Assert.Equal(meta["named_buffers"].Split(','), net.NamedBuffers().Select(b => b.Name));
        Assert.Equal(meta["named_modules"].Split(','), net.NamedModules().Select(m => m.Name));
        Assert.Equal(long.Parse(meta["parameter_count"]), net.ParameterCount);
        foreach (var (key, value) in sd)
        {
            Assert.Equal(golden.Tensors[key].DType, value.DType);
            Goldens.AssertClose(golden.Tensors[key], value, 0, 0, key); // same small integers: exact
        }
    }

    [Fact]
    public void PrintsTheTreeLikePyTorch()
    {
        using var net = new Net();
        using var golden = PyTorchTree();
        Assert.Equal(golden.Metadata["repr"], net.ToString());
        using var leaf = new Leaf(0);
        Assert.Equal("Leaf(in=2, out=3)", leaf.ToString());
        using var empty = new Sequential();
        Assert.Equal("Sequential()", empty.ToString());
    }

    [Fact]
    public void ChildrenAndParametersEnumerate()
    {
        using var net = new Net();
        Assert.Equal(["encoder", "head", "blocks"], net.NamedChildren().Select(c => c.Name));
        Assert.Same(net.Head, net.Children().ElementAt(1));
        Assert.Equal(["scale"], net.NamedParameters(recurse: false).Select(p => p.Name));
        Assert.Equal(["count"], net.NamedBuffers(recurse: false).Select(b => b.Name));
        Assert.Same(net.Scale, net.Parameters().First());
        Assert.Equal(7, net.Modules().Count());
        Assert.All(net.Parameters(), p => Assert.True(p.RequiresGrad));
    }

    [Fact]
    public void TrainAndEvalRecurse()
    {
        using var net = new Net();
        Assert.All(net.Modules(), m => Assert.True(m.Training));
        Assert.Same(net, net.Eval());
        Assert.All(net.Modules(), m => Assert.False(m.Training));
        net.Head.Train();
        Assert.True(net.Head.Training);
        Assert.False(net.Encoder.Training);
        net.Train();
        Assert.All(net.Modules(), m => Assert.True(m.Training));
    }

    [Fact]
    public void EvalScopeAndInferenceRestoreTheModeAndGradients()
    {
        using var net = new Net();
        Assert.True(Torch.IsGradEnabled);
        using (net.Inference())
        {
            Assert.All(net.Modules(), m => Assert.False(m.Training));
            Assert.False(Torch.IsGradEnabled);
        }
        Assert.All(net.Modules(), m => Assert.True(m.Training));
        Assert.True(Torch.IsGradEnabled);

        using (net.EvalScope())
        {
            Assert.All(net.Modules(), m => Assert.False(m.Training));
            Assert.True(Torch.IsGradEnabled);          // the geodesic differentiates through a frozen model
        }
        Assert.All(net.Modules(), m => Assert.True(m.Training));

        // A module already in evaluation mode stays there; an exception inside the scope still restores.
        net.Eval();
        void FailsInside()
        {
            using var mode = net.Inference();
            throw new InvalidOperationException("inside");
        }
        Assert.Throws<InvalidOperationException>(FailsInside);
        Assert.All(net.Modules(), m => Assert.False(m.Training));
        Assert.True(Torch.IsGradEnabled);

        // Nested: the inner scope gives back what the outer one set, not the original state.
        net.Train();
        using (net.Inference())
        {
            using (net.EvalScope()) Assert.False(Torch.IsGradEnabled);
            Assert.False(net.Training);
            Assert.False(Torch.IsGradEnabled);
        }
        Assert.True(net.Training);
        Assert.True(Torch.IsGradEnabled);
    }

    [Fact]
    public void ZeroGradDropsOrZeroesEveryGradient()
    {
        using var net = new Net();
        foreach (var p in net.Parameters())
        {
            using var g = Tensor.From(Enumerable.Repeat(1f, (int)p.NumEl).ToArray(), p.Shape);
            p.Grad = g;
        }
        net.ZeroGrad(setToNone: false);
        foreach (var p in net.Parameters())
        {
            using var g = p.Grad;
            Assert.NotNull(g);
            Assert.All(g!.ToArray<float>(), v => Assert.Equal(0f, v));
        }
        net.ZeroGrad();
        Assert.All(net.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void StateDictEntriesAreDetachedAliases()
    {
        using var net = new Net();
        using (var sd = net.StateDict())
        {
            Assert.False(sd["scale"].RequiresGrad);
            using var five = Tensor.From(new[] { 5f });
            sd["scale"].CopyFrom(five);
        }
        Assert.Equal(new[] { 5f }, net.Scale.ToArray<float>());
        Assert.False(net.Scale.IsDisposed); // disposing the state dict leaves the module alone
    }

    [Fact]
    public void SaveThenLoadRestoresEveryValueInPlace()
    {
        var path = TempFile();
        try
        {
            using var source = new Net();
            source.Save(path);
            using var target = new Net(offset: 100);
            var scaleBefore = target.Scale;
            var result = target.Load(path);
            Assert.Empty(result.MissingKeys);
            Assert.Empty(result.UnexpectedKeys);
            using var a = source.StateDict();
            using var b = target.StateDict();
            Assert.Equal(a.Keys, b.Keys);
            foreach (var key in a.Keys) Goldens.AssertClose(a[key], b[key], 0, 0, key); // a copy: exact
            Assert.Same(scaleBefore, target.Scale); // copied in place, identity kept
            Assert.True(target.Scale.RequiresGrad);
            Assert.True(target.Scale.IsLeaf);
            using var file = SafeTensors.Read(path);
            Assert.Equal(a.Keys, file.Tensors.Keys);
            Assert.Equal("Net", file.Metadata["module"]);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void MissingKeyIsNamedWithItsExpectedShapeAndNothingChanges()
    {
        using var net = new Net();
        using var other = new Net(offset: 1);
        using var sd = other.StateDict();
        sd["head.bias"].Dispose();
        sd.Remove("head.bias");
        var e = Assert.Throws<StateDictException>(() => net.LoadStateDict(sd));
        Assert.Equal(["head.bias"], e.MissingKeys);
        Assert.Contains("missing key 'head.bias'", e.Message);
        Assert.Contains("float32 [3]", e.Message);
        Assert.Contains("Net", e.Message);
        Assert.Equal(new[] { 2f }, net.Scale.ToArray<float>()); // validated before copying: untouched

        var result = net.LoadStateDict(sd, strict: false);
        Assert.Equal(["head.bias"], result.MissingKeys);
        Assert.Equal(new[] { 3f }, net.Scale.ToArray<float>());
    }

    [Fact]
    public void UnexpectedKeyIsRefusedWhenStrict()
    {
        using var net = new Net();
        using var sd = net.StateDict();
        sd["encoder.2.weight"] = Tensor.From(new float[4], 2, 2);
        var e = Assert.Throws<StateDictException>(() => net.LoadStateDict(sd));
        Assert.Equal(["encoder.2.weight"], e.UnexpectedKeys);
        Assert.Contains("unexpected key 'encoder.2.weight' (float32 [2, 2])", e.Message);
        var result = net.LoadStateDict(sd, strict: false);
        Assert.Equal(["encoder.2.weight"], result.UnexpectedKeys);
    }

    [Fact]
    public void WrongShapeAndWrongDtypeAreNamedWithBothSides()
    {
        using var net = new Net();
        using var sd = net.StateDict();
        sd["encoder.1.weight"] = Tensor.From(new float[6], 2, 3);
        sd["head.running"] = Tensor.From(new double[3]);
        // Even non-strict loading refuses mismatches, as PyTorch does.
        var e = Assert.Throws<StateDictException>(() => net.LoadStateDict(sd, strict: false));
        Assert.Equal(2, e.Problems.Count);
        Assert.Contains("'encoder.1.weight': shape [2, 3] in the state dict, [3, 2] in the module", e.Message);
        Assert.Contains("'head.running': dtype float64 in the state dict, float32 in the module", e.Message);
        Assert.Null(e.File);
    }

    [Fact]
    public void LoadErrorsNameTheFileAndTheTensor()
    {
        var path = TempFile();
        try
        {
            using var net = new Net();
            using (var sd = net.StateDict())
            {
                sd["blocks.first.bias"].Dispose();
                sd.Remove("blocks.first.bias");
                sd["blocks.first.weight"] = Tensor.From(new float[2], 2);
                sd.Save(path);
            }
            var e = Assert.Throws<StateDictException>(() => net.Load(path));
            Assert.Equal(path, e.File);
            Assert.Contains(path, e.Message);
            Assert.Contains("missing key 'blocks.first.bias'", e.Message);
            Assert.Contains("'blocks.first.weight': shape [2] in the state dict, [3, 2] in the module", e.Message);

            // A truncated file: the safetensors reader names the file and the cut-off tensor.
            net.Save(path);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..^6]);
            var t = Assert.Throws<SafeTensorsException>(() => net.Load(path));
            Assert.Contains(path, t.Message);
            Assert.Contains("truncated", t.Message);
            Assert.Equal("blocks.first.running", t.TensorName); // the last tensor in the file
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void RegistrationRefusesBadNamesClashesAndCycles()
    {
        using var box = new Box();
        var e = Assert.Throws<ArgumentException>(() => box.RegisterParameter("a.b", null));
        Assert.Contains("can't contain \".\"", e.Message);
        Assert.Throws<ArgumentException>(() => box.RegisterBuffer("", null));
        box.RegisterBuffer("x", Tensor.From(new float[1]));
        e = Assert.Throws<ArgumentException>(() => box.RegisterParameter("x", new Parameter(Tensor.From(new float[1]))));
        Assert.Contains("'x' already exists as a buffer", e.Message);
        var child = box.RegisterModule("child", new Box());
        e = Assert.Throws<ArgumentException>(() => child.RegisterModule("loop", box));
        Assert.Contains("cycle", e.Message);
        using var p = new Parameter(Tensor.From(new float[1]));
        e = Assert.Throws<ArgumentException>(() => box.RegisterBuffer("y", p));
        Assert.Contains("RegisterParameter", e.Message);
    }

    [Fact]
    public void SharedParameterIsListedOnceButSavedUnderEveryName()
    {
        using var box = new Box();
        var shared = box.RegisterParameter("a", new Parameter(Tensor.From(new float[] { 1, 2 })));
        var child = box.RegisterModule("child", new Box());
        child.RegisterParameter("tied", shared);
        Assert.Equal(["a"], box.NamedParameters().Select(p => p.Name));
        Assert.Equal(2, box.ParameterCount);
        using var sd = box.StateDict();
        Assert.Equal(["a", "child.tied"], sd.Keys);
    }

    [Fact]
    public void ParameterTakesOwnershipAndOutlivesScopes()
    {
        Parameter p;
        Tensor source;
        using (Torch.NewScope())
        {
            source = Tensor.From(new float[] { 1, 2, 3 });
            p = new Parameter(source);
        }
        Assert.True(source.IsDisposed); // consumed
        Assert.False(p.IsDisposed);     // not owned by the scope
        Assert.True(p.RequiresGrad);
        Assert.True(p.IsLeaf);
        Assert.Equal(new float[] { 1, 2, 3 }, p.ToArray<float>());
        Assert.StartsWith("Parameter containing:", p.ToString());
        p.Dispose();

        using var frozen = new Parameter(Tensor.From(new float[] { 1 }), requiresGrad: false);
        Assert.False(frozen.RequiresGrad);

        // A non-leaf (the result of a recorded operation) becomes a detached leaf.
        using var leaf = Tensor.From(new float[] { 4, 5 }).RequiresGrad_();
        var computed = leaf.Clone();
        Assert.False(computed.IsLeaf);
        using var fromComputed = new Parameter(computed);
        Assert.True(fromComputed.IsLeaf);
        Assert.True(fromComputed.RequiresGrad);
        Assert.Equal(new float[] { 4, 5 }, fromComputed.ToArray<float>());
    }

    [Fact]
    public void DisposeReleasesParametersBuffersAndChildren()
    {
        var net = new Net();
        var parameters = net.Parameters().ToList();
        var buffers = net.Buffers().ToList();
        var head = net.Head;
        net.Dispose();
        Assert.True(net.IsDisposed);
        Assert.True(head.IsDisposed);
        Assert.All(parameters, p => Assert.True(p.IsDisposed));
        Assert.All(buffers, b => Assert.True(b.IsDisposed));
        net.Dispose(); // twice is harmless
        Assert.Throws<ObjectDisposedException>(() => net.StateDict());
    }

    [Fact]
    public void SequentialChainsChildrenInOrder()
    {
        var log = new List<string>();
        using var seq = new Sequential(new Leaf(0, log, "a"), new Leaf(0, log, "b"));
        seq.Append(new Leaf(0, log, "c"));
        Assert.Equal(3, seq.Count);
        Assert.Equal(["0", "1", "2"], seq.NamedChildren().Select(c => c.Name));
        Assert.Same(seq[2], seq[-1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => seq[3]);
        using (Torch.NewScope())
        {
            var x = Tensor.From(new float[] { 1, 2 });
            var y = seq.Call(x);
            Assert.NotSame(x, y);
            Assert.Equal(new float[] { 1, 2 }, y.ToArray<float>());
        }
        Assert.Equal(["a", "b", "c"], log);
        using var empty = new Sequential();
        using var z = Tensor.From(new float[] { 3 });
        Assert.Same(z, empty.Call(z));
    }

    [Fact]
    public void SequentialAppendNeverOverwritesANamedChild()
    {
        using var seq = new Sequential(("1", (Module<Tensor, Tensor>)new Leaf(0)));
        using var extra = new Leaf(1);
        var e = Assert.Throws<InvalidOperationException>(() => seq.Append(extra));
        Assert.Contains("'1'", e.Message);
        Assert.Equal(1, seq.Count);
    }

    [Fact]
    public void SequentialRefusesChildrenThatCannotBeChained()
    {
        using var seq = new Sequential();
        seq.RegisterModule("odd", new Box());
        using var x = Tensor.From(new float[] { 1 });
        var e = Assert.Throws<InvalidOperationException>(() => seq.Call(x));
        Assert.Contains("Box", e.Message);
    }

    [Fact]
    public void ApplyVisitsChildrenFirst()
    {
        using var net = new Net();
        var order = new List<string>();
        net.Apply(m => order.Add(m.GetType().Name));
        Assert.Equal(["Leaf", "Leaf", "Sequential", "Leaf", "Leaf", "Sequential", "Net"], order);
    }
}
