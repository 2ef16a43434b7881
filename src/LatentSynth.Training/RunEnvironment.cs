using LatentSynth.Torch.IO;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace LatentSynth.Training;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// What a run ran on, recorded in the run folder's <c>environment.json</c>: one entry per session
/// (the first start and every resume) under <c>"sessions"</c>, with the LatentSynth, libtorch and
/// .NET versions, the BLAS in use, thread settings and the git commit of the source tree
/// (<c>git rev-parse HEAD</c>; "unknown" without git or outside a repository).
/// </summary>
public static class RunEnvironment
{
    /// <summary>File name in the run folder.</summary>
    public const string FileName = "environment.json";

    /// <summary>The facts of this process, as a JSON object.</summary>
    /// <param name="kind">"start" or "resume".</param>
    /// <param name="resumedFrom">The checkpoint resumed from, if any.</param>
    /// <param name="group">Data-parallel: the process group (its world size and how it averages gradients are recorded).</param>
    public static JsonObject Capture(string kind, string? resumedFrom = null, IDataParallelGroup? group = null)
    {
        var blas = Torch.Blas;
        return new JsonObject
        {
            ["kind"] = kind,
            ["started_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["resumed_from"] = resumedFrom,
            ["latentsynth"] = Torch.Version,
            ["libtorch"] = Torch.LibTorchVersion,
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["os"] = RuntimeInformation.OSDescription,
            ["machine"] = Environment.MachineName,
            ["logical_cpus"] = Environment.ProcessorCount,
            ["blas"] = blas.Kind,
            ["blas_libraries"] = new JsonArray(blas.Libraries.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
            ["blas_threads"] = Torch.BlasThreads,
            ["intra_op_threads"] = Torch.NumThreads,
            ["thread_plan"] = LatentSynth.Torch.ThreadPlans.Current is { } plan ? $"{plan.Plan} ({plan.Source})" : null,
            ["inter_op_threads"] = Torch.NumInteropThreads,
            ["deterministic_algorithms"] = Torch.AreDeterministicAlgorithmsEnabled,
            ["git_commit"] = GitCommit(),
            ["data_parallel"] = group is null ? null : new JsonObject
            {
                ["world_size"] = group.WorldSize,
                ["gradient_averaging"] = group.GradientAveraging,
            },
        };
    }

    /// <summary>
    /// Appends a session to <c>RUN/environment.json</c> (created when missing; an unreadable file
    /// is replaced rather than failing the run).
    /// </summary>
    public static void Record(string runDir, JsonObject session)
    {
        var path = Path.Combine(runDir, FileName);
        JsonArray sessions = new();
        if (File.Exists(path))
        {
            try
            {
                if (JsonNode.Parse(File.ReadAllText(path))?["sessions"] is JsonArray existing) sessions = (JsonArray)existing.DeepClone();
            }
            catch (System.Text.Json.JsonException) { }
        }
        sessions.Add(session);
        AtomicFile.WriteAllText(path, new JsonObject { ["sessions"] = sessions }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    private static string? cachedCommit;

    /// <summary>
    /// <c>git rev-parse HEAD</c> in the folder of the LatentSynth assemblies (a build inside the
    /// source tree names its commit), then in the current folder; "unknown" when neither works.
    /// </summary>
    public static string GitCommit()
    {
        if (cachedCommit is not null) return cachedCommit;
        foreach (var dir in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            if (TryGit(dir) is { } commit) return cachedCommit = commit;
        }
        return cachedCommit = "unknown";
    }

    private static string? TryGit(string dir)
    {
        try
        {
            var psi = new ProcessStartInfo("git", ["-C", dir, "rev-parse", "HEAD"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi);
            if (p is null) return null;
            var output = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(5000))
            {
                try { p.Kill(); } catch (InvalidOperationException) { }
                return null;
            }
            var text = output.Result.Trim();
            return p.ExitCode == 0 && text.Length >= 7 && text.All(char.IsAsciiHexDigit) ? text : null;
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }
}
