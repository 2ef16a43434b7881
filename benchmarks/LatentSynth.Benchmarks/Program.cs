using LatentSynth.Benchmarks;
using LatentSynth.Torch;

// Usage: LatentSynth.Benchmarks overhead [iters]
//        LatentSynth.Benchmarks export-data NAME FILE.safetensors
//        LatentSynth.Benchmarks fashion-vae [NAME] [--conv] [--epochs E] [--batch B] [--seed S] [--limit N] [--threads T] [--blas-threads B]
//        LatentSynth.Benchmarks griffin-lim [--reps R] [--threads T]
//        LatentSynth.Benchmarks audio-latency [--run RUN] [--reps R] [--threads T]
//        LatentSynth.Benchmarks musicvae-step [--model musicvae|musicvae-hier] [--threads T] [--batch B] [--warmup W] [--steps S] [--seed S] [--export DIR]
//        LatentSynth.Benchmarks inpaint-step [--model measurevae|sketchvae|inpaintnet|sketchnet] [--threads T] [--blas-threads B] [--batch B] [--warmup W] [--steps S] [--seed S] [--export DIR]
//        LatentSynth.Benchmarks pianotree-step [--threads T] [--blas-threads B] [--batch B] [--warmup W] [--steps S] [--seed S] [--export DIR]
//        LatentSynth.Benchmarks vae-epoch [--threads T] [--blas-threads B] [--n N] [--batch B] [--warmup-steps W] [--seed S] [--raw-allocator]
var verb = args.Length > 0 ? args[0] : "";
int Opt(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
}
// The product's start-up defaults (allocator tuning, threads); --raw-allocator keeps glibc's
// allocator settings; explicit --threads/--blas-threads then override.
RuntimeDefaults.Apply(w => Console.Error.WriteLine("warning: " + w), tuneAllocator: Array.IndexOf(args, "--raw-allocator") < 0);
var blasThreads = Opt("--blas-threads", 0);
if (blasThreads > 0) Torch.BlasThreads = blasThreads;
switch (verb)
{
    case "overhead":
        OpOverhead.Run(args.Length > 1 && int.TryParse(args[1], out var it) ? it : 200_000);
        return 0;
    case "vae-epoch":
        VaeEpoch.Run(Opt("--threads", 0), Opt("--n", 60000), Opt("--batch", 128), Opt("--warmup-steps", 20), (ulong)Opt("--seed", 0));
        return 0;
    case "griffin-lim":
        GriffinLimBench.Run(Opt("--reps", 3), Opt("--threads", 1));
        return 0;
    case "audio-latency":
        {
            int i = Array.IndexOf(args, "--run");
            AudioLatencyBench.Run(i >= 0 && i + 1 < args.Length ? args[i + 1] : null, Opt("--reps", 30), Opt("--threads", 1));
            return 0;
        }
    case "musicvae-step":
        {
            string? Str(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
            MusicVaeStep.Run(Str("--model") ?? "musicvae", Opt("--threads", 1), Opt("--batch", 64),
                Opt("--warmup", 2), Opt("--steps", 5), (ulong)Opt("--seed", 0), Str("--export"));
            return 0;
        }
    case "inpaint-step":
        {
            string? Str(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
            InpaintStep.Run(Str("--model") ?? "measurevae", Opt("--threads", 1), Opt("--batch", 64),
                Opt("--warmup", 2), Opt("--steps", 5), (ulong)Opt("--seed", 0), Str("--export"));
            return 0;
        }
    case "pianotree-step":
        {
            string? Str(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
            PianoTreeStep.Run(Opt("--threads", 1), Opt("--batch", 32), Opt("--warmup", 1), Opt("--steps", 3), (ulong)Opt("--seed", 0), Str("--export"));
            return 0;
        }
    case "export-data":
        FashionVae.Export(args[1], args[2]);
        return 0;
    case "fashion-vae":
        FashionVae.Run(args.Length > 1 && !args[1].StartsWith("--") ? args[1] : "fashion-mnist", Array.IndexOf(args, "--conv") >= 0 ? "conv" : "mlp",
            Opt("--epochs", 10), Opt("--batch", 128), 1e-3, (ulong)Opt("--seed", 0), Opt("--limit", 0), Opt("--threads", 0), blasThreads);
        return 0;
    default:
        Console.Error.WriteLine("usage: LatentSynth.Benchmarks overhead [iters] | vae-epoch [--threads T] [--blas-threads B] [--n N] [--batch B]");
        return 2;
}
