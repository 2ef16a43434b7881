// Per-op cost of libtorch called directly from C++, on tiny tensors: the floor that the C#
// binding's per-op overhead is measured against. Prints one JSON line per op:
//   {"impl":"c++","op":"add","ns_per_op":...}
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

static double time_ns(const std::function<void()>& f, int iters) {
  for (int i = 0; i < iters / 10; ++i) f();  // warm-up
  double best = 1e300;
  for (int rep = 0; rep < 5; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; ++i) f();
    auto t1 = std::chrono::steady_clock::now();
    double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / iters;
    if (ns < best) best = ns;
  }
  return best;
}

int main(int argc, char** argv) {
  int iters = argc > 1 ? std::stoi(argv[1]) : 200000;
  at::set_num_threads(1);
  at::Tensor a = at::rand({4, 4}), b = at::rand({4, 4});
  struct Op { const char* name; std::function<void()> f; };
  Op ops[] = {
      {"add", [&] { at::Tensor c = at::add(a, b); }},
      {"mul_scalar", [&] { at::Tensor c = at::mul(a, 2.0); }},
      {"relu", [&] { at::Tensor c = at::relu(a); }},
      {"matmul", [&] { at::Tensor c = at::matmul(a, b); }},
      {"sum", [&] { at::Tensor c = a.sum(); }},
      {"reshape", [&] { at::Tensor c = a.reshape({16}); }},
  };
  for (auto& op : ops)
    std::printf("{\"impl\":\"c++\",\"op\":\"%s\",\"ns_per_op\":%.1f}\n", op.name, time_ns(op.f, iters));
  return 0;
}
