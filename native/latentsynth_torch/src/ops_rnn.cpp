// Sequence layers: libtorch's fused recurrent kernels (at::lstm, at::gru), their one-step cells
// (at::lstm_cell, at::gru_cell) and the embedding lookup.
//
// The recurrent layers take their parameters as one flat list in PyTorch's order (for each layer,
// for each direction: w_ih, w_hh, then b_ih, b_hh when has_biases), the list nn.LSTM/nn.GRU
// hand to the same kernels (_flat_weights). Initial states are required here: the managed layer
// makes the zero state when the caller gives none, as nn.LSTM does. Several results come back
// through an out-array, all or nothing: on failure every slot is null and nothing leaks.
#include "common.h"

#include <stdexcept>
#include <string>
#include <vector>

using lst::T;

namespace {

std::vector<at::Tensor> tensor_list(const lst_tensor* hs, int64_t n, const char* what) {
  if (n < 0 || (n > 0 && hs == nullptr)) throw std::invalid_argument(std::string("invalid ") + what + " list");
  std::vector<at::Tensor> v;
  v.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v.push_back(T(hs[i], what));
  return v;
}

c10::optional<at::Tensor> opt(lst_tensor h, const char* what) {
  if (h == nullptr) return c10::nullopt;
  return T(h, what);
}

// Moves results into out[0..n): every one, or (on failure) none, with the handles made so far freed.
void wrap_all(std::vector<at::Tensor>&& results, lst_tensor* out) {
  if (out == nullptr) throw std::invalid_argument("output array is null");
  const size_t n = results.size();
  for (size_t i = 0; i < n; ++i) out[i] = nullptr;
  std::vector<lst_tensor> made;
  made.reserve(n);
  try {
    for (auto& r : results) made.push_back(lst::wrap(std::move(r)));
  } catch (...) {
    for (auto h : made) {
      delete h;
      lst::live_tensors.fetch_sub(1, std::memory_order_relaxed);
    }
    throw;
  }
  for (size_t i = 0; i < n; ++i) out[i] = made[i];
}

}  // namespace

/// nn.LSTM's forward: at::lstm(input, {h0, c0}, params, ...). out receives output, h_n, c_n.
LST_API int32_t lst_nn_lstm(lst_tensor input, lst_tensor h0, lst_tensor c0, const lst_tensor* params, int64_t n_params,
                            int32_t has_biases, int64_t num_layers, double dropout, int32_t train,
                            int32_t bidirectional, int32_t batch_first, lst_tensor* out) {
  LST_TRY
  auto p = tensor_list(params, n_params, "lstm parameter");
  auto r = at::lstm(T(input, "input"), {T(h0, "h0"), T(c0, "c0")}, p, has_biases != 0, num_layers, dropout, train != 0,
                    bidirectional != 0, batch_first != 0);
  wrap_all({std::move(std::get<0>(r)), std::move(std::get<1>(r)), std::move(std::get<2>(r))}, out);
  return 0;
  LST_CATCH_INT
}

/// nn.GRU's forward: at::gru(input, h0, params, ...). out receives output, h_n.
LST_API int32_t lst_nn_gru(lst_tensor input, lst_tensor h0, const lst_tensor* params, int64_t n_params,
                           int32_t has_biases, int64_t num_layers, double dropout, int32_t train, int32_t bidirectional,
                           int32_t batch_first, lst_tensor* out) {
  LST_TRY
  auto p = tensor_list(params, n_params, "gru parameter");
  auto r = at::gru(T(input, "input"), T(h0, "h0"), p, has_biases != 0, num_layers, dropout, train != 0,
                   bidirectional != 0, batch_first != 0);
  wrap_all({std::move(std::get<0>(r)), std::move(std::get<1>(r))}, out);
  return 0;
  LST_CATCH_INT
}

/// nn.LSTMCell's forward on a batch: at::lstm_cell(input, {h, c}, w_ih, w_hh, b_ih, b_hh) (biases
/// nullable). out receives h', c'.
LST_API int32_t lst_nn_lstm_cell(lst_tensor input, lst_tensor h, lst_tensor c, lst_tensor w_ih, lst_tensor w_hh,
                                 lst_tensor b_ih, lst_tensor b_hh, lst_tensor* out) {
  LST_TRY
  auto r = at::lstm_cell(T(input, "input"), {T(h, "h"), T(c, "c")}, T(w_ih, "weight_ih"), T(w_hh, "weight_hh"),
                         opt(b_ih, "bias_ih"), opt(b_hh, "bias_hh"));
  wrap_all({std::move(std::get<0>(r)), std::move(std::get<1>(r))}, out);
  return 0;
  LST_CATCH_INT
}

/// nn.GRUCell's forward on a batch: at::gru_cell(input, h, w_ih, w_hh, b_ih, b_hh) (biases nullable).
LST_API lst_tensor lst_nn_gru_cell(lst_tensor input, lst_tensor h, lst_tensor w_ih, lst_tensor w_hh, lst_tensor b_ih,
                                   lst_tensor b_hh) {
  LST_TRY
  return lst::wrap(at::gru_cell(T(input, "input"), T(h, "h"), T(w_ih, "weight_ih"), T(w_hh, "weight_hh"),
                                opt(b_ih, "bias_ih"), opt(b_hh, "bias_hh")));
  LST_CATCH_HANDLE
}

/// F.embedding: rows of weight picked by the int64 indices. padding_idx (already made
/// non-negative, or -1 for none) gets no gradient.
LST_API lst_tensor lst_nn_embedding(lst_tensor weight, lst_tensor indices, int64_t padding_idx,
                                    int32_t scale_grad_by_freq) {
  LST_TRY
  return lst::wrap(at::embedding(T(weight, "weight"), T(indices, "indices"), padding_idx, scale_grad_by_freq != 0,
                                 /*sparse=*/false));
  LST_CATCH_HANDLE
}
