using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

// ops_rnn.cpp: fused recurrent layers, their cells and the embedding lookup. Parameter lists
// cross as raw handle arrays built by WithHandles; results as an out-array of raw handles
// (all set, or all null on failure) that WrapRaw turns into tensors.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial int lst_nn_lstm(TensorHandle input, TensorHandle h0, TensorHandle c0, IntPtr* parameters, long nParameters, int hasBiases, long numLayers, double dropout, int train, int bidirectional, int batchFirst, IntPtr* output);
    [LibraryImport(Lib)] internal static partial int lst_nn_gru(TensorHandle input, TensorHandle h0, IntPtr* parameters, long nParameters, int hasBiases, long numLayers, double dropout, int train, int bidirectional, int batchFirst, IntPtr* output);
    [LibraryImport(Lib)] internal static partial int lst_nn_lstm_cell(TensorHandle input, TensorHandle h, TensorHandle c, TensorHandle weightIh, TensorHandle weightHh, TensorHandle biasIh, TensorHandle biasHh, IntPtr* output);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_gru_cell(TensorHandle input, TensorHandle h, TensorHandle weightIh, TensorHandle weightHh, TensorHandle biasIh, TensorHandle biasHh);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_embedding(TensorHandle weight, TensorHandle indices, long paddingIdx, int scaleGradByFreq);
}
