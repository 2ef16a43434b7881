namespace LatentSynth.Torch.NN;

/// <summary><c>torch.nn.functional</c>: the linear (fully connected) layer.</summary>
public static partial class F
{
    /// <summary>
    /// <c>input @ weight.T + bias</c> (<c>F.linear</c>): input (…, in), weight (out, in),
    /// optional bias (out), result (…, out).
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        return NativeMethods.Wrap(NativeMethods.lst_ops_linear(input.Handle, weight.Handle, NativeMethods.OptionalTensor(bias)), "linear");
    }
}
