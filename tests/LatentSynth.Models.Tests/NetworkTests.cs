using LatentSynth.Models.Ae;
using LatentSynth.Models.Networks;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Models.Tests;

using Torch = LatentSynth.Torch.Torch;

/// <summary>The networks: documented architectures, other input shapes, and a custom network plugged in by name.</summary>
public class NetworkTests
{
    [Fact]
    public void BuiltInNetworksAreRegistered()
    {
        Assert.Equal(["conv", "conv1d", "mlp"], NetworkRegistry.Names.Where(n => n is "conv" or "conv1d" or "mlp").Order());
        Assert.Contains("unknown network 'resnet'", Assert.Throws<ArgumentException>(() => NetworkRegistry.Get("resnet")).Message);
    }

    [Fact]
    public void MlpIsTheDocumentedStack()
    {
        using var model = (AeModel)ModelRegistry.Create(new AeConfig { Model = "ae", Hidden = [400, 100], LatentDim = 20 });
        Assert.Equal(
            "Sequential(\n  (0): Flatten(start_dim=1, end_dim=-1)\n  (1): Linear(in_features=784, out_features=400, bias=True)\n  (2): ReLU()\n"
            + "  (3): Linear(in_features=400, out_features=100, bias=True)\n  (4): ReLU()\n  (5): Linear(in_features=100, out_features=20, bias=True)\n)",
            model.Encoder.ToString());
        Assert.Equal(
            "Sequential(\n  (0): Linear(in_features=20, out_features=100, bias=True)\n  (1): ReLU()\n  (2): Linear(in_features=100, out_features=400, bias=True)\n"
            + "  (3): ReLU()\n  (4): Linear(in_features=400, out_features=784, bias=True)\n  (5): Unflatten(dim=1, unflattened_size=(1, 28, 28))\n)",
            model.Decoder.ToString());
    }

    [Fact]
    public void ConvIsTheDocumentedStack()
    {
        using var model = (AeModel)ModelRegistry.Create(new AeConfig { Model = "ae", Arch = "conv", Hidden = [256], LatentDim = 8 });
        Assert.Equal(
            "Sequential(\n  (0): Conv2d(1, 32, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))\n  (1): ReLU()\n"
            + "  (2): Conv2d(32, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))\n  (3): ReLU()\n  (4): Flatten(start_dim=1, end_dim=-1)\n"
            + "  (5): Linear(in_features=3136, out_features=256, bias=True)\n  (6): ReLU()\n  (7): Linear(in_features=256, out_features=8, bias=True)\n)",
            model.Encoder.ToString());
        Assert.Equal(
            "Sequential(\n  (0): Linear(in_features=8, out_features=256, bias=True)\n  (1): ReLU()\n  (2): Linear(in_features=256, out_features=3136, bias=True)\n"
            + "  (3): ReLU()\n  (4): Unflatten(dim=1, unflattened_size=(64, 7, 7))\n"
            + "  (5): ConvTranspose2d(64, 32, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))\n  (6): ReLU()\n"
            + "  (7): ConvTranspose2d(32, 1, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))\n)",
            model.Decoder.ToString());
    }

    [Theory]
    [InlineData("conv", new long[] { 3, 12, 20 })]
    [InlineData("conv", new long[] { 1, 4, 4 })]
    [InlineData("conv1d", new long[] { 2, 16 })]
    [InlineData("conv1d", new long[] { 40, 64 })]
    [InlineData("mlp", new long[] { 2, 16 })]
    [InlineData("mlp", new long[] { 5 })]
    public void OtherInputShapesRoundTrip(string arch, long[] shape)
    {
        using var scope = Torch.NewScope();
        foreach (var info in ModelRegistry.All)
        {
            var config = ModelRegistry.DefaultConfig(info.Name) with { Arch = arch, InputShape = shape, Hidden = [32], Channels = [4, 8], LatentDim = 3 };
            using var model = ModelRegistry.Create(config);
            var x = Torch.Rand([4, .. shape]);
            Assert.Equal([4L, .. shape], model.Call(x).Shape);
            Assert.Equal([4L, 3], model.Encode(x).Shape);
            Assert.Equal([2L, .. shape], model.Sample(2).Shape);
            Assert.True(double.IsFinite(model.EvaluationLoss(x).Total.Item()));
        }
    }

    /// <summary>A custom network: one linear map each way.</summary>
    private sealed class LinearNetworks : INetworkFactory
    {
        public string Name => "test-linear";
        public string Description => "a single linear layer each way (test)";
        public IEnumerable<string> Validate(ModelConfig config) =>
            config.LatentDim > 16 ? [$"arch 'test-linear' takes latent_dim ≤ 16, got {config.LatentDim}"] : [];
        public Module<Tensor, Tensor> CreateEncoder(ModelConfig config, long outputs) =>
            new Sequential(new Flatten(1), new Linear(config.InputSize, outputs));
        public Module<Tensor, Tensor> CreateDecoder(ModelConfig config) =>
            new Sequential(new Linear(config.LatentDim, config.InputSize), new Unflatten(1, config.InputShape));
    }

    [Fact]
    public void ACustomNetworkPlugsInByName()
    {
        NetworkRegistry.Register(new LinearNetworks(), replace: true);
        Assert.Contains("test-linear", NetworkRegistry.Names);
        Assert.Throws<ArgumentException>(() => NetworkRegistry.Register(new LinearNetworks()));   // taken
        using var scope = Torch.NewScope();
        foreach (var info in ModelRegistry.All)
        {
            var config = ModelRegistry.DefaultConfig(info.Name) with { Arch = "test-linear", LatentDim = 4, InputShape = [1, 6, 6] };
            using var model = ModelRegistry.Create(config);
            Assert.IsType<LinearNetworks>(((EncoderDecoderModel)model).Network);
            Assert.Contains(model.NamedParameters(), p => p.Name == "encoder.1.weight");
            Assert.Equal([3L, 1, 6, 6], model.Call(Torch.Rand(3, 1, 6, 6)).Shape);
            // The custom network's own checks join Validate.
            var bad = config with { LatentDim = 17 };
            Assert.Contains("latent_dim ≤ 16", Assert.Throws<ArgumentException>(() => ModelRegistry.Create(bad)).Message);
        }
    }
}
