using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Torch.Tests;

/// <summary>
/// Native handle accounting for modules and optimizers. Torch.LiveTensors counts every tensor in
/// the process, so this runs in the non-parallel collection (no other test allocates meanwhile).
/// </summary>
[Collection(ProcessWideState.Name)]
public class NnOptimLeakTests
{
    private sealed class Two : Module<Tensor, Tensor>
    {
        public Two()
        {
            RegisterParameter("w", new Parameter(Tensor.From(new float[] { 1, 2, 3, 4 }, 2, 2)));
            RegisterBuffer("b", Tensor.From(new float[] { 0, 0 }));
            RegisterModule("inner", new Sequential()).Append(new Sequential());
        }

        public override Tensor Forward(Tensor input) => input;
    }

    [Fact]
    public void ModuleOptimizerAndStateDictsReleaseEveryHandle()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ls-leak-{Guid.NewGuid():N}.safetensors");
        GC.Collect(); // other tests' unreferenced tensors go first, so they do not skew the count
        GC.WaitForPendingFinalizers();
        long baseline = Torch.LiveTensors;
        try
        {
            using (var model = new Two())
            using (var opt = new AdamW(model.Parameters(), lr: 0.1))
            {
                Init.KaimingUniform_(model.Parameters().First(), generator: null);
                for (int i = 0; i < 3; i++)
                {
                    foreach (var p in model.Parameters())
                        using (var g = Tensor.From(new float[] { 1, 1, 1, 1 }, 2, 2)) p.Grad = g;
                    GradClip.ClipGradNorm_(model.Parameters(), 1.0);
                    opt.Step();
                    opt.ZeroGrad();
                }
                using (Torch.NewScope())
                {
                    using var sd = model.StateDict();
                    model.LoadStateDict(sd);
                    using var osd = opt.StateDict();
                    opt.LoadStateDict(osd);
                }
                model.Save(path);
                model.Load(path);
                opt.Save(path);
                opt.Load(path);
                Assert.True(Torch.LiveTensors > baseline);
            }
            // No collection here: every handle must have been released by disposal, not by finalizers.
            Assert.Equal(baseline, Torch.LiveTensors);
        }
        finally { File.Delete(path); }
    }
}
