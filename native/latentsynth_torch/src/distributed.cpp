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

/// All-reduces n CPU tensors of one dtype in place, element by element across the ranks (each rank
/// passes tensors of the same shapes, in the same order). op: 0 sum, 1 average (Gloo sums, then the
/// result is divided by the world size: floating-point dtypes only), 2 product, 3 min, 4 max.
/// Several tensors travel as one flat buffer: one Gloo allreduce per call, after a 32-byte allreduce
/// that checks every rank's buffer has the same length and dtype (check_same_buffer), unless op has
/// bit 8 (0x100) set: the caller vouches for the sizes.
LST_API int32_t lst_pg_allreduce(lst_pg h, const lst_tensor* tensors, int64_t n, int32_t op) {
  LST_TRY
  auto& g = G(h);
  // Bit 8 of op: the caller guarantees every rank passes the same length and dtype (the trainer's
  // gradients and loss sums, of one model whose parameters were broadcast, and so checked, at the
  // start): the probe is skipped. It doubled the fixed cost of every per-step collective.
  const bool agreed = (op & 0x100) != 0;
  op &= 0xFF;
  c10d::AllreduceOptions opts;
  opts.reduceOp = reduce_op(op);
  opts.timeout = g.timeout;
  FlatBuffer buffer(tensors, n);
  if (op == 1 && !at::isFloatingType(buffer.flat.scalar_type()))
    throw std::invalid_argument("average needs a floating-point dtype, got " + std::string(c10::toString(buffer.flat.scalar_type())));
  if (!agreed) check_same_buffer(g, buffer.flat);
  std::vector<at::Tensor> io{buffer.flat};
  wait_for(g.pg->allreduce(io, opts), g.timeout);
  if (op == 1) {
    at::NoGradGuard no_grad;
    buffer.flat.div_(g.size);
  }
  buffer.scatter_back();
  return 0;
  LST_CATCH_INT
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
