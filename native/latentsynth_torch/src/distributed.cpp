// Distributed: libtorch's own c10d engine (TCPStore rendezvous, ProcessGroupGloo collectives) behind
// the shim's C ABI. Nothing here implements a collective or a rendezvous; every operation is c10d's.
//
// Handles: lst_store (a TCPStore) and lst_pg (a ProcessGroupGloo plus the timeout every call waits
// with). Both hold c10::intrusive_ptr references, so a process group keeps its store alive even after
// the store's handle was freed. Each lst_*_free releases exactly one handle; null is ignored.
//
// Every collective is synchronous from the caller's point of view: it enqueues the c10d Work and waits
// for it with the group's timeout; a timeout, a peer that closed its connection or any Gloo error
// becomes the shim's error (-1 and lst_last_error()). After such a failure the group's Gloo pairs may
// be broken: the caller is expected to free the group and build a new one.
#include "common.h"

// ProcessGroupGloo.hpp declares its class only when the build of libtorch had Gloo; Debian's
// libtorch_cpu.so exports it (nm -DC shows c10d::ProcessGroupGloo::*), and the gloo headers it
// includes come from libgloo-dev (the same snapshot as the libgloo0 libtorch_cpu links against).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

struct lst_store_t {
  c10::intrusive_ptr<c10d::TCPStore> store;
};
typedef lst_store_t* lst_store;

struct lst_pg_t {
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  std::chrono::milliseconds timeout;
  int rank;
  int size;
};
typedef lst_pg_t* lst_pg;

namespace {

thread_local std::vector<uint8_t> value_buffer;

c10d::TCPStore& S(lst_store h) {
  if (h == nullptr || !h->store) throw std::invalid_argument("store is null");
  return *h->store;
}

lst_pg_t& G(lst_pg h) {
  if (h == nullptr || !h->pg) throw std::invalid_argument("process group is null");
  return *h;
}

std::chrono::milliseconds checked_timeout(int64_t timeout_ms) {
  if (timeout_ms <= 0)
    throw std::invalid_argument("timeout must be positive (milliseconds), got " + std::to_string(timeout_ms));
  return std::chrono::milliseconds(timeout_ms);
}

std::string checked_key(const char* key) {
  if (key == nullptr || key[0] == '\0') throw std::invalid_argument("key is null or empty");
  return std::string(key);
}

// Waits for one c10d Work with the group's timeout. Work::wait throws (c10::Error) on its own
// timeout and rethrows the exception the Gloo worker thread recorded (peer gone, Gloo timeout).
void wait_for(const c10::intrusive_ptr<c10d::Work>& work, std::chrono::milliseconds timeout) {
  if (!work->wait(timeout)) throw std::runtime_error("the operation did not complete");
}

c10d::ReduceOp reduce_op(int32_t code) {
  // Codes shared with the managed ReduceOp enum. AVG is not in the list: Gloo in 1.13 refuses
  // ReduceOp::AVG (libtorch_cpu.so holds "Cannot use ReduceOp.AVG with Gloo"), so for code 1
  // lst_pg_allreduce sums and divides by the world size (exact for 2 ranks: halving is exact).
  switch (code) {
    case 0: return c10d::ReduceOp::SUM;
    case 1: return c10d::ReduceOp::SUM;
    case 2: return c10d::ReduceOp::PRODUCT;
    case 3: return c10d::ReduceOp::MIN;
    case 4: return c10d::ReduceOp::MAX;
    default: throw std::invalid_argument("unknown reduce op code " + std::to_string(code));
  }
}

// Gathers the caller's tensors into one dense buffer that Gloo may read and write: the tensor
// itself (detached, so autograd never sees Gloo's writes) when there is exactly one contiguous
// tensor, otherwise a flat at::cat of all of them, copied back by scatter_back. All tensors must
// be CPU tensors of one dtype: one collective moves one typed buffer.
struct FlatBuffer {
  std::vector<at::Tensor> parts;  // detached views of the caller's tensors
  at::Tensor flat;
  bool in_place = false;

  FlatBuffer(const lst_tensor* tensors, int64_t n) {
    if (tensors == nullptr || n < 1) throw std::invalid_argument("at least one tensor is required");
    parts.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; i++) {
      const at::Tensor& t = lst::T(tensors[i], "tensor");
      if (!t.device().is_cpu()) throw std::invalid_argument("tensor " + std::to_string(i) + " is not a CPU tensor");
      if (t.layout() != at::kStrided) throw std::invalid_argument("tensor " + std::to_string(i) + " is not dense");
      if (i > 0 && t.scalar_type() != parts[0].scalar_type())
        throw std::invalid_argument("tensor " + std::to_string(i) + " has dtype " + std::string(c10::toString(t.scalar_type())) +
                                    ", tensor 0 has " + std::string(c10::toString(parts[0].scalar_type())) +
                                    ": one collective moves one dtype");
      parts.push_back(t.detach());
    }
    at::NoGradGuard no_grad;
    if (parts.size() == 1 && parts[0].is_contiguous()) {
      flat = parts[0];
      in_place = true;
    } else {
      std::vector<at::Tensor> views;
      views.reserve(parts.size());
      for (const auto& p : parts) views.push_back(p.reshape({-1}));
      flat = at::cat(views);
    }
  }

  void scatter_back() {
    if (in_place) return;
    at::NoGradGuard no_grad;
    int64_t offset = 0;
    for (auto& p : parts) {
      const int64_t n = p.numel();
      p.copy_(flat.narrow(0, offset, n).view(p.sizes()));
      offset += n;
    }
  }
};

// Checks that every rank passes a buffer of the same length and dtype before the real collective.
// Gloo cannot be trusted with a mismatch: its TCP transport enforces the length on a background
// thread of its own, where the failure is an uncaught exception that terminates the process
// (measured: "op.preamble.length <= op.nbytes" then std::terminate). This probe is a fixed-size
// allreduce (4 int64, MAX of n, -n, dtype, -dtype), so it cannot mismatch itself; every rank sees
// the same maxima and minima, so every rank fails together, with the range of sizes in the message.
void check_same_buffer(lst_pg_t& g, const at::Tensor& flat) {
  if (g.size == 1) return;
  const int64_t n = flat.numel();
  const int64_t dtype = static_cast<int64_t>(flat.scalar_type());
  at::Tensor probe = at::tensor(std::vector<int64_t>{n, -n, dtype, -dtype}, at::kLong);
  c10d::AllreduceOptions opts;
  opts.reduceOp = c10d::ReduceOp::MAX;
  opts.timeout = g.timeout;
  std::vector<at::Tensor> io{probe};
  wait_for(g.pg->allreduce(io, opts), g.timeout);
  const int64_t* v = probe.data_ptr<int64_t>();
  if (v[0] != -v[1])
    throw std::invalid_argument("the ranks passed different numbers of elements (from " + std::to_string(-v[1]) + " to " +
                                std::to_string(v[0]) + ", this rank " + std::to_string(n) +
                                "): every rank must pass tensors of the same shapes");
  if (v[2] != -v[3]) throw std::invalid_argument("the ranks passed tensors of different dtypes");
}

}  // namespace

// ---- TCPStore ---------------------------------------------------------------------------------

/// Creates a TCPStore. The master (is_master != 0) listens on host:port (port 0: the system picks a
/// free port, read it back with lst_store_port) and also connects to itself as a client; the other
/// ranks connect to host:port, retrying until timeout_ms. The master does not wait for the workers
/// here (it could not with port 0: they learn the port only after this returns); the rendezvous
/// wait happens when the process group is built, bounded by its own timeout.
LST_API lst_store lst_store_tcp_new(const char* host, int32_t port, int32_t world_size, int32_t is_master,
                                    int64_t timeout_ms) {
  LST_TRY
  if (host == nullptr || host[0] == '\0') throw std::invalid_argument("host is null or empty");
  if (port < 0 || port > 65535) throw std::invalid_argument("port must be in [0, 65535], got " + std::to_string(port));
  if (port == 0 && is_master == 0) throw std::invalid_argument("port 0 (pick a free port) is for the master only");
  if (world_size < 1) throw std::invalid_argument("world size must be at least 1, got " + std::to_string(world_size));
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<std::uint16_t>(port);
  opts.isServer = is_master != 0;
  opts.numWorkers = static_cast<std::size_t>(world_size);
  opts.waitWorkers = false;
  opts.timeout = checked_timeout(timeout_ms);
  auto store = c10::make_intrusive<c10d::TCPStore>(std::string(host), opts);
  return new lst_store_t{std::move(store)};
  LST_CATCH_HANDLE
}

/// Releases a store handle (the store closes once no process group uses it either).
LST_API void lst_store_free(lst_store h) {
  try {
    delete h;
  } catch (...) {
  }
}

/// The port the store listens on (master) or connected to (others): the real one after port 0.
LST_API int32_t lst_store_port(lst_store h) {
  LST_TRY return static_cast<int32_t>(S(h).getPort()); LST_CATCH_INT
}

/// Sets key to the given bytes (len may be 0).
LST_API int32_t lst_store_set(lst_store h, const char* key, const uint8_t* value, int64_t len) {
  LST_TRY
  if (len < 0 || (len > 0 && value == nullptr)) throw std::invalid_argument("value is null or its length negative");
  S(h).set(checked_key(key), std::vector<uint8_t>(value, value + len));
  return 0;
  LST_CATCH_INT
}

/// Reads key, waiting for it up to the store's timeout. The bytes stay valid until the next
/// lst_store_get on the same thread.
LST_API int32_t lst_store_get(lst_store h, const char* key, const uint8_t** value, int64_t* len) {
  LST_TRY
  if (value == nullptr || len == nullptr) throw std::invalid_argument("output pointers are null");
  value_buffer = S(h).get(checked_key(key));
  *value = value_buffer.data();
  *len = static_cast<int64_t>(value_buffer.size());
  return 0;
  LST_CATCH_INT
}

/// Atomically adds delta to the integer stored at key (0 when absent) and returns the new value.
LST_API int32_t lst_store_add(lst_store h, const char* key, int64_t delta, int64_t* result) {
  LST_TRY
  if (result == nullptr) throw std::invalid_argument("result pointer is null");
  *result = S(h).add(checked_key(key), delta);
  return 0;
  LST_CATCH_INT
}

/// Waits until every key exists, at most timeout_ms.
LST_API int32_t lst_store_wait(lst_store h, const char* const* keys, int64_t n, int64_t timeout_ms) {
  LST_TRY
  if (keys == nullptr || n < 1) throw std::invalid_argument("at least one key is required");
  std::vector<std::string> list;
  list.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; i++) list.push_back(checked_key(keys[i]));
  S(h).wait(list, checked_timeout(timeout_ms));
  return 0;
  LST_CATCH_INT
}

// ---- ProcessGroupGloo -------------------------------------------------------------------------

/// Builds a Gloo process group of `size` ranks over the store (blocks until every rank has joined,
/// at most timeout_ms, then fails). device_host names the address Gloo's TCP transport binds to and
/// advertises; null or "" means the loopback address 127.0.0.1.
///
/// Why not createDefaultDevice: it resolves this machine's hostname (getaddrinfo) and binds to the
/// address found; only when that fails does it fall back to loopback (its header says so). The lookup
/// itself depends on the machine: a hostname missing from /etc/hosts on a machine without DNS can stall
/// in the resolver, and one that resolves to an address the other ranks cannot reach fails later, at the
/// connect. createDeviceForHostname with an explicit address has no such dependency: 127.0.0.1 for
/// ranks on one machine (what the tests and the single-machine launcher need), the caller's reachable
/// address otherwise.
LST_API lst_pg lst_pg_gloo_new(lst_store store, int32_t rank, int32_t size, int64_t timeout_ms, const char* device_host) {
  LST_TRY
  if (store == nullptr || !store->store) throw std::invalid_argument("store is null");
  if (size < 1) throw std::invalid_argument("world size must be at least 1, got " + std::to_string(size));
  if (rank < 0 || rank >= size)
    throw std::invalid_argument("rank must be in [0, " + std::to_string(size) + "), got " + std::to_string(rank));
  const auto timeout = checked_timeout(timeout_ms);
  const std::string host = (device_host == nullptr || device_host[0] == '\0') ? std::string("127.0.0.1") : std::string(device_host);
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(host));
  c10::intrusive_ptr<c10d::Store> base = store->store;
  auto pg = c10::make_intrusive<c10d::ProcessGroupGloo>(base, rank, size, options);
  return new lst_pg_t{std::move(pg), timeout, rank, size};
  LST_CATCH_HANDLE
}

/// Releases a process group handle. Waits for work still queued on Gloo's threads (bounded by the
/// group's timeout, which Gloo applies to every operation).
LST_API void lst_pg_free(lst_pg h) {
  try {
    delete h;
  } catch (...) {
  }
}

/// An allreduce in flight (lst_pg_allreduce_start): the flat buffer Gloo writes into, the c10d Work,
/// and what finishing it needs (the average's division, the copy back).
struct lst_work_t {
  FlatBuffer buffer;
  c10::intrusive_ptr<c10d::Work> work;
  std::chrono::milliseconds timeout;
  int32_t op;
  int size;
  bool done = false;
};
typedef lst_work_t* lst_work;

namespace {

// Checks the arguments, runs the size probe unless op has bit 8 set, and starts the allreduce.
std::unique_ptr<lst_work_t> start_allreduce(lst_pg_t& g, const lst_tensor* tensors, int64_t n, int32_t op) {
  // Bit 8 of op: the caller guarantees every rank passes the same length and dtype (the trainer's
  // gradients and loss sums, of one model whose parameters were broadcast, and so checked, at the
  // start): the probe is skipped. It doubled the fixed cost of every per-step collective.
  const bool agreed = (op & 0x100) != 0;
  op &= 0xFF;
  c10d::AllreduceOptions opts;
  opts.reduceOp = reduce_op(op);
  opts.timeout = g.timeout;
  auto w = std::unique_ptr<lst_work_t>(new lst_work_t{FlatBuffer(tensors, n), {}, g.timeout, op, g.size});
  if (op == 1 && !at::isFloatingType(w->buffer.flat.scalar_type()))
    throw std::invalid_argument("average needs a floating-point dtype, got " + std::string(c10::toString(w->buffer.flat.scalar_type())));
  if (!agreed) check_same_buffer(g, w->buffer.flat);
  std::vector<at::Tensor> io{w->buffer.flat};
  w->work = g.pg->allreduce(io, opts);
  return w;
}

// Waits for a started allreduce and leaves the result in the caller's tensors.
void finish_allreduce(lst_work_t& w) {
  wait_for(w.work, w.timeout);
  w.done = true;
  if (w.op == 1) {
    at::NoGradGuard no_grad;
    w.buffer.flat.div_(w.size);
  }
  w.buffer.scatter_back();
}

}  // namespace

/// All-reduces n CPU tensors of one dtype in place, element by element across the ranks (each rank
/// passes tensors of the same shapes, in the same order). op: 0 sum, 1 average (Gloo sums, then the
/// result is divided by the world size: floating-point dtypes only), 2 product, 3 min, 4 max.
/// Several tensors travel as one flat buffer: one Gloo allreduce per call, after a 32-byte allreduce
/// that checks every rank's buffer has the same length and dtype (check_same_buffer), unless op has
/// bit 8 (0x100) set: the caller vouches for the sizes.
LST_API int32_t lst_pg_allreduce(lst_pg h, const lst_tensor* tensors, int64_t n, int32_t op) {
  LST_TRY
  finish_allreduce(*start_allreduce(G(h), tensors, n, op));
  return 0;
  LST_CATCH_INT
}

/// Starts lst_pg_allreduce without waiting for it: returns a handle to finish with lst_work_wait.
/// Until then the tensors belong to Gloo (neither read nor write them). The size probe, unless op
/// has bit 8 set, runs before the start and synchronously.
LST_API lst_work lst_pg_allreduce_start(lst_pg h, const lst_tensor* tensors, int64_t n, int32_t op) {
  LST_TRY return start_allreduce(G(h), tensors, n, op).release(); LST_CATCH_HANDLE
}

/// Waits for a started allreduce (the group's timeout) and leaves the result in the caller's tensors.
/// A second call does nothing.
LST_API int32_t lst_work_wait(lst_work w) {
  LST_TRY
  if (w == nullptr) throw std::invalid_argument("work is null");
  if (!w->done) finish_allreduce(*w);
  return 0;
  LST_CATCH_INT
}

/// Releases a work handle; one not waited for is waited for first (its failure is dropped).
LST_API void lst_work_free(lst_work w) {
  if (w == nullptr) return;
  try {
    if (!w->done && w->work) w->work->wait(w->timeout);
  } catch (...) {
  }
  try {
    delete w;
  } catch (...) {
  }
}

/// Broadcasts n CPU tensors of one dtype from rank `root` to every rank, in place (one flat buffer,
/// one Gloo broadcast, after the same length and dtype check as lst_pg_allreduce).
LST_API int32_t lst_pg_broadcast(lst_pg h, const lst_tensor* tensors, int64_t n, int32_t root) {
  LST_TRY
  auto& g = G(h);
  if (root < 0 || root >= g.size)
    throw std::invalid_argument("root must be in [0, " + std::to_string(g.size) + "), got " + std::to_string(root));
  c10d::BroadcastOptions opts;
  opts.rootRank = root;
  opts.rootTensor = 0;
  opts.timeout = g.timeout;
  FlatBuffer buffer(tensors, n);
  check_same_buffer(g, buffer.flat);
  std::vector<at::Tensor> io{buffer.flat};
  wait_for(g.pg->broadcast(io, opts), g.timeout);
  buffer.scatter_back();
  return 0;
  LST_CATCH_INT
}

/// Returns once every rank has entered the barrier (or fails after the group's timeout).
LST_API int32_t lst_pg_barrier(lst_pg h) {
  LST_TRY
  auto& g = G(h);
  c10d::BarrierOptions opts;
  opts.timeout = g.timeout;
  wait_for(g.pg->barrier(opts), g.timeout);
  return 0;
  LST_CATCH_INT
}

// ---- Gradient averaging overlapped with the backward pass ---------------------------------------
//
// What DistributedDataParallel's Reducer does, on the same c10d engine, reduced to what the trainer
// needs. Each parameter's gradient accumulator (the autograd node that writes .grad) gets a post-hook.
// Between lst_reducer_arm (the step's zero_grad) and lst_reducer_finish (just before anything reads the
// gradients), a hook that fires copies its parameter's finished gradient, times the rank's weight, into
// its bucket's flat buffer; when the last gradient of a bucket has arrived the bucket's allreduce is
// launched asynchronously, while backward goes on computing the earlier layers' gradients. Finish
// waits for the buckets, divides by the world size and copies the means into .grad.
//
// Order. Every rank must issue the same collectives in the same order. Buckets are formed from the
// parameters in reverse (backward meets the last layers first, as in DDP) and are launched strictly in
// bucket order: a bucket that is complete before an earlier one waits for it. Every rank runs the same
// model on the same code path, so the hooks fire in the same pattern on every rank.
//
// What is not overlapped. A parameter whose accumulator fires twice while armed (two backward passes
// before one step: gradient accumulation) would have been sent too early: the reducer then waits for
// what it launched, and finish returns 1, telling the caller to average the final gradients after
// backward instead (the ordinary path, correct in every case). A parameter without a gradient counts
// as zeros in its bucket and keeps no gradient (the same on every rank). A hook that fires while
// disarmed (a parameter reached by another optimizer's backward, as the discriminator in WAE-GAN's
// model step) does nothing.
//
// Threads. On CPU, autograd runs a backward on the thread that called it, so the hooks run there; the
// state is still guarded by a mutex. Hooks never throw: a failure is recorded and reported by finish.
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>

namespace {

struct ReducerState {
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  std::chrono::milliseconds timeout{0};
  int world = 1;
  std::vector<at::Tensor> params;
  struct Bucket {
    std::vector<size_t> members;   // parameter indices
    std::vector<int64_t> offsets;  // element offset of each member in flat
    at::Tensor flat;
    size_t pending = 0;
    c10::intrusive_ptr<c10d::Work> work;
  };
  std::vector<Bucket> buckets;
  std::vector<size_t> bucket_of;
  std::vector<size_t> slot_of;  // index into the bucket's members
  std::mutex mutex;
  bool armed = false;
  bool repeated = false;  // a hook fired twice while armed
  double weight = 1.0;
  std::vector<char> fired;
  size_t next_launch = 0;
  std::string error;
  int64_t launched_in_backward = 0;  // buckets launched by hooks (during backward) since arm

  void launch(size_t b) {
    c10d::AllreduceOptions opts;
    opts.reduceOp = c10d::ReduceOp::SUM;
    opts.timeout = timeout;
    std::vector<at::Tensor> io{buckets[b].flat};
    buckets[b].work = pg->allreduce(io, opts);
  }

  // Launches every complete bucket from next_launch on, in order.
  void launch_ready() {
    while (next_launch < buckets.size() && buckets[next_launch].pending == 0) {
      launch(next_launch);
      next_launch++;
      launched_in_backward++;
    }
  }

  void on_gradient(size_t i) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!armed || repeated || !error.empty()) return;
    try {
      if (fired[i]) {
        repeated = true;
        return;
      }
      fired[i] = 1;
      auto& bucket = buckets[bucket_of[i]];
      const at::Tensor& grad = params[i].grad();
      at::NoGradGuard no_grad;
      at::Tensor slot = bucket.flat.narrow(0, bucket.offsets[slot_of[i]], params[i].numel()).view(params[i].sizes());
      if (!grad.defined())
        slot.zero_();
      else if (weight == 1.0)
        slot.copy_(grad);
      else
        at::mul_out(slot, grad, weight);
      bucket.pending--;
      launch_ready();
    } catch (const c10::Error& e) {
      error = e.what_without_backtrace();
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown native exception in a gradient hook";
    }
  }

  // Waits for every launched bucket (their results are not used); true if all completed.
  void drain() {
    for (size_t b = 0; b < next_launch; b++) {
      if (buckets[b].work) {
        try {
          buckets[b].work->wait(timeout);
        } catch (...) {
        }
        buckets[b].work.reset();
      }
    }
  }
};

struct AveragingHook : torch::autograd::FunctionPostHook {
  std::weak_ptr<ReducerState> state;
  size_t index;
  AveragingHook(std::weak_ptr<ReducerState> s, size_t i) : state(std::move(s)), index(i) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list& inputs) override {
    if (auto s = state.lock()) s->on_gradient(index);
    return outputs;
  }
};

}  // namespace

struct lst_reducer_t {
  std::shared_ptr<ReducerState> state;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators;  // kept alive: a parameter holds its own only weakly
  std::vector<uintptr_t> hooks;
};
typedef lst_reducer_t* lst_reducer;

/// Builds a reducer over n parameters (leaf tensors that require a gradient, CPU, floating point, one
/// dtype), in buckets of at most bucket_bytes (a larger parameter forms a bucket of its own), filled
/// from the last parameter backwards. Every rank must build it over the same parameters.
LST_API lst_reducer lst_reducer_new(lst_pg h, const lst_tensor* params, int64_t n, int64_t bucket_bytes) {
  LST_TRY
  auto& g = G(h);
  if (params == nullptr || n < 1) throw std::invalid_argument("at least one parameter is required");
  if (bucket_bytes < 1) throw std::invalid_argument("bucket size must be at least 1 byte, got " + std::to_string(bucket_bytes));
  auto state = std::make_shared<ReducerState>();
  state->pg = g.pg;
  state->timeout = g.timeout;
  state->world = g.size;
  for (int64_t i = 0; i < n; i++) {
    const at::Tensor& p = lst::T(params[i], "parameter");
    const std::string which = "parameter " + std::to_string(i);
    if (!p.requires_grad()) throw std::invalid_argument(which + " does not require a gradient");
    if (!p.is_leaf()) throw std::invalid_argument(which + " is not a leaf tensor (not a parameter)");
    if (!p.device().is_cpu()) throw std::invalid_argument(which + " is not a CPU tensor");
    if (!at::isFloatingType(p.scalar_type())) throw std::invalid_argument(which + " is not floating point");
    if (i > 0 && p.scalar_type() != state->params[0].scalar_type())
      throw std::invalid_argument(which + " has dtype " + std::string(c10::toString(p.scalar_type())) + ", parameter 0 has " +
                                  std::string(c10::toString(state->params[0].scalar_type())) + ": one reducer averages one dtype");
    state->params.push_back(p);
  }
  const size_t count = state->params.size();
  state->bucket_of.assign(count, 0);
  state->slot_of.assign(count, 0);
  state->fired.assign(count, 0);
  const int64_t element = static_cast<int64_t>(state->params[0].element_size());
  int64_t bytes = 0;
  for (size_t k = count; k-- > 0;) {
    const int64_t size = state->params[k].numel() * element;
    if (state->buckets.empty() || (!state->buckets.back().members.empty() && bytes + size > bucket_bytes)) {
      state->buckets.emplace_back();
      bytes = 0;
    }
    auto& bucket = state->buckets.back();
    int64_t offset = bucket.offsets.empty() ? 0 : bucket.offsets.back() + state->params[bucket.members.back()].numel();
    state->bucket_of[k] = state->buckets.size() - 1;
    state->slot_of[k] = bucket.members.size();
    bucket.members.push_back(k);
    bucket.offsets.push_back(offset);
    bytes += size;
  }
  for (auto& bucket : state->buckets) {
    const int64_t total = bucket.offsets.back() + state->params[bucket.members.back()].numel();
    bucket.flat = at::zeros({total}, state->params[0].options().requires_grad(false));
  }
  auto reducer = std::make_unique<lst_reducer_t>();
  reducer->state = state;
  for (size_t k = 0; k < count; k++) {
    auto acc = torch::autograd::impl::grad_accumulator(state->params[k]);
    if (!acc) throw std::invalid_argument("parameter " + std::to_string(k) + " has no gradient accumulator");
    reducer->hooks.push_back(acc->add_post_hook(std::make_unique<AveragingHook>(state, k)));
    reducer->accumulators.push_back(std::move(acc));
  }
  return reducer.release();
  LST_CATCH_HANDLE
}

/// The number of buckets.
LST_API int64_t lst_reducer_bucket_count(lst_reducer h) {
  LST_TRY
  if (h == nullptr) throw std::invalid_argument("reducer is null");
  return static_cast<int64_t>(h->state->buckets.size());
  LST_CATCH_INT
}

/// Starts a step: gradients that arrive from now on are averaged, each first scaled by weight (the
/// rank's share of the global batch). A step armed and never finished is drained first.
LST_API int32_t lst_reducer_arm(lst_reducer h, double weight) {
  LST_TRY
  if (h == nullptr) throw std::invalid_argument("reducer is null");
  if (!std::isfinite(weight)) throw std::invalid_argument("weight must be finite");
  auto& s = *h->state;
  std::lock_guard<std::mutex> lock(s.mutex);
  s.drain();
  s.armed = true;
  s.repeated = false;
  s.weight = weight;
  s.error.clear();
  std::fill(s.fired.begin(), s.fired.end(), 0);
  for (auto& bucket : s.buckets) bucket.pending = bucket.members.size();
  s.next_launch = 0;
  s.launched_in_backward = 0;
  return 0;
  LST_CATCH_INT
}

/// Ends a step. Returns 0 when every parameter's gradient was replaced by its weighted mean over the
/// ranks; 1 when nothing was averaged and the caller must average after the backward pass instead (the
/// reducer was not armed, or a gradient arrived twice); -1 on a failed or timed-out collective.
/// launched (may be null) receives the number of buckets whose allreduce started during backward.
LST_API int32_t lst_reducer_finish(lst_reducer h, int64_t* launched) {
  LST_TRY
  if (h == nullptr) throw std::invalid_argument("reducer is null");
  auto& s = *h->state;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (launched != nullptr) *launched = s.launched_in_backward;
  if (!s.armed) return 1;
  s.armed = false;
  if (!s.error.empty()) {
    s.drain();
    throw std::runtime_error("a gradient bucket could not be sent: " + s.error);
  }
  if (s.repeated) {
    s.drain();
    return 1;
  }
  {
    at::NoGradGuard no_grad;
    for (size_t b = s.next_launch; b < s.buckets.size(); b++) {
      auto& bucket = s.buckets[b];
      for (size_t m = 0; m < bucket.members.size(); m++)
        if (!s.fired[bucket.members[m]])
          bucket.flat.narrow(0, bucket.offsets[m], s.params[bucket.members[m]].numel()).zero_();
      bucket.pending = 0;
    }
    s.launch_ready();
  }
  std::string failure;
  for (auto& bucket : s.buckets) {
    try {
      wait_for(bucket.work, s.timeout);
    } catch (const c10::Error& e) {
      if (failure.empty()) failure = e.what_without_backtrace();
    } catch (const std::exception& e) {
      if (failure.empty()) failure = e.what();
    }
    bucket.work.reset();
  }
  if (!failure.empty()) throw std::runtime_error(failure);
  at::NoGradGuard no_grad;
  for (auto& bucket : s.buckets) {
    bucket.flat.div_(s.world);
    for (size_t m = 0; m < bucket.members.size(); m++) {
      const size_t k = bucket.members[m];
      if (!s.fired[k]) continue;
      at::Tensor mean = bucket.flat.narrow(0, bucket.offsets[m], s.params[k].numel()).view(s.params[k].sizes());
      at::Tensor& grad = s.params[k].mutable_grad();
      if (grad.defined())
        grad.copy_(mean);
      else
        grad = mean.clone();
    }
  }
  return 0;
  LST_CATCH_INT
}

/// Removes the hooks and releases the reducer (waiting for any bucket still in flight).
LST_API void lst_reducer_free(lst_reducer h) {
  if (h == nullptr) return;
  try {
    {
      std::lock_guard<std::mutex> lock(h->state->mutex);
      h->state->armed = false;
      h->state->drain();
    }
    for (size_t k = 0; k < h->accumulators.size(); k++) h->accumulators[k]->del_post_hook(h->hooks[k]);
  } catch (...) {
  }
  try {
    delete h;
  } catch (...) {
  }
}
