using LatentSynth.Torch;

namespace LatentSynth.Torch.Tests;

using Torch = LatentSynth.Torch.Torch;

/// <summary>The thread plans (issue 15, part 1): never oversubscribed, split among workers, overridable, applied.</summary>
[Collection(ProcessWideState.Name)]
public sealed class ThreadPlanTests
{
    [Fact]
    public void NoDefaultPlanOversubscribesTheCoresItIsGiven()
    {
        foreach (var workload in Enum.GetValues<Workload>())
            for (int cores = 1; cores <= 64; cores++)
            {
                var plan = ThreadPlans.Default(workload, cores);
                // One pool is one thread wide, so the two never multiply; the other uses at most the cores.
                Assert.True(Math.Min(plan.IntraOpThreads, plan.BlasThreads) == 1, $"{workload} on {cores} cores: {plan}");
                Assert.InRange(Math.Max(plan.IntraOpThreads, plan.BlasThreads), 1, cores);
            }
        Assert.Equal(new ThreadPlan(1, 4), ThreadPlans.Default(Workload.Dense, 4));
        Assert.Equal(new ThreadPlan(1, 4), ThreadPlans.Default(Workload.Convolution, 4));
        Assert.Equal(new ThreadPlan(1, 4), ThreadPlans.Default(Workload.Recurrent, 4));
        Assert.Equal(new ThreadPlan(1, 1), ThreadPlans.Default(Workload.Serving, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreadPlans.Default(Workload.Dense, 0));
        Assert.Equal("2 intra-op × 1 BLAS", new ThreadPlan(2, 1).ToString());
    }

    [Fact]
    public void WorkersOnOneMachineShareItsCores()
    {
        int cpus = Environment.ProcessorCount;
        Assert.Equal(cpus, ThreadPlans.CoresPerWorker());
        Assert.Equal(Math.Max(1, cpus / 2), ThreadPlans.CoresPerWorker(2));
        Assert.Equal(1, ThreadPlans.CoresPerWorker(cpus * 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreadPlans.CoresPerWorker(0));
        var (plan, source) = ThreadPlans.Resolve(Workload.Convolution, workers: cpus * 4, busyCores: 0);
        Assert.Equal(new ThreadPlan(1, 1), plan);
        Assert.Contains($"1 core(s) per worker of {cpus * 4}", source);
    }

    [Fact]
    public void ABusyMachineIsPlannedForItsFreeCores()
    {
        Assert.Equal(2, ThreadPlans.FreeCores(2, 0));
        Assert.Equal(2, ThreadPlans.FreeCores(2, 0.4));
        Assert.Equal(1, ThreadPlans.FreeCores(2, 0.6));
        Assert.Equal(1, ThreadPlans.FreeCores(2, 9.3));
        Assert.Equal(5, ThreadPlans.FreeCores(8, 3));
        Assert.Equal(8, ThreadPlans.FreeCores(8, double.NaN));
        Assert.Equal(8, ThreadPlans.FreeCores(8, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreadPlans.FreeCores(0, 0));
        // Measured: at most every core, never negative (other processes' busy time over a short window).
        Assert.True(ThreadPlans.OtherProcessesBusyCores(TimeSpan.FromMilliseconds(50)) is null or >= 0);

        int cpus = Environment.ProcessorCount;
        var (plan, source) = ThreadPlans.Resolve(Workload.Convolution, busyCores: 1000);
        Assert.Equal(new ThreadPlan(1, 1), plan);
        if (cpus > 1) Assert.Equal($"measured plan for Convolution, machine busy (other processes use 1000.0 of {cpus} cores): planned for 1 free core(s)", source);
        (plan, source) = ThreadPlans.Resolve(Workload.Convolution, busyCores: 0);
        Assert.Equal(ThreadPlans.Default(Workload.Convolution, cpus), plan);
        Assert.Equal("measured plan for Convolution", source);
    }

    [Fact]
    public void EnvironmentVariablesOverrideThePlanAndBadValuesAreNamed()
    {
        var saved = (Environment.GetEnvironmentVariable(RuntimeDefaults.ThreadsVariable), Environment.GetEnvironmentVariable(ThreadPlans.BlasThreadsVariable));
        try
        {
            Environment.SetEnvironmentVariable(RuntimeDefaults.ThreadsVariable, "3");
            Environment.SetEnvironmentVariable(ThreadPlans.BlasThreadsVariable, "2");
            var (plan, source) = ThreadPlans.Resolve(Workload.Recurrent, busyCores: 0);
            Assert.Equal(new ThreadPlan(3, 2), plan);
            Assert.Equal("measured plan for Recurrent, LATENTSYNTH_THREADS=3, LATENTSYNTH_BLAS_THREADS=2", source);

            var warnings = new List<string>();
            Environment.SetEnvironmentVariable(RuntimeDefaults.ThreadsVariable, "many");
            Environment.SetEnvironmentVariable(ThreadPlans.BlasThreadsVariable, "0");
            (plan, source) = ThreadPlans.Resolve(Workload.Dense, warn: warnings.Add, busyCores: 0);
            Assert.Equal(ThreadPlans.Default(Workload.Dense, Environment.ProcessorCount), plan);
            Assert.Equal("measured plan for Dense", source);
            Assert.Equal(["LATENTSYNTH_THREADS='many' is not a thread count from 1 to 1024; using the measured plan.",
                          "LATENTSYNTH_BLAS_THREADS='0' is not a thread count from 1 to 1024; using the measured plan."], warnings);
        }
        finally
        {
            Environment.SetEnvironmentVariable(RuntimeDefaults.ThreadsVariable, saved.Item1);
            Environment.SetEnvironmentVariable(ThreadPlans.BlasThreadsVariable, saved.Item2);
        }
    }

    [Fact]
    public void ApplySetsBothPoolsAndRecordsThePlanInForce()
    {
        int threads = Torch.NumThreads, blas = Torch.BlasThreads;
        try
        {
            var expected = ThreadPlans.Apply(Workload.Convolution);
            Assert.Equal(expected.IntraOpThreads, Torch.NumThreads);
            if (blas >= 0) Assert.Equal(expected.BlasThreads, Torch.BlasThreads);
            var current = ThreadPlans.Current!.Value;
            Assert.Equal(Workload.Convolution, current.Workload);
            Assert.Equal(expected, current.Plan);

            expected = ThreadPlans.Apply(Workload.Serving);
            Assert.Equal(new ThreadPlan(1, 1), expected);
            Assert.Equal(Workload.Serving, ThreadPlans.Current!.Value.Workload);
            Assert.Equal(expected.IntraOpThreads, Torch.NumThreads);
        }
        finally
        {
            Torch.NumThreads = threads;
            if (blas >= 0) Torch.BlasThreads = blas;
        }
    }
}
