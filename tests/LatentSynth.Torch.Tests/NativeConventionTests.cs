using System.Text.RegularExpressions;

namespace LatentSynth.Torch.Tests;

/// <summary>
/// Guards the shim's contract on its sources: a C++ exception escaping through P/Invoke kills the
/// process, so every exported function must catch everything (LST_TRY … LST_CATCH_*, or its own
/// try/catch), unless it is declared noexcept because it cannot throw.
/// </summary>
public class NativeConventionTests
{
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LatentSynth.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (LatentSynth.slnx) not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void EveryExportedFunctionCatchesEveryException()
    {
        var src = Path.Combine(RepoRoot(), "native", "latentsynth_torch", "src");
        var files = Directory.GetFiles(src, "*.cpp");
        Assert.NotEmpty(files);
        var offenders = new List<string>();
        int exports = 0;
        var header = new Regex(@"LST_API[^{;]*?\b(lst_\w+)\s*\([^)]*\)\s*(noexcept)?\s*\{", RegexOptions.Singleline);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            foreach (Match m in header.Matches(text))
            {
                exports++;
                int i = m.Index + m.Length, depth = 1;
                while (depth > 0 && i < text.Length)
                {
                    if (text[i] == '{') depth++;
                    else if (text[i] == '}') depth--;
                    i++;
                }
                var body = text[(m.Index + m.Length)..i];
                bool guarded = m.Groups[2].Success || body.Contains("LST_TRY") || body.Contains("try {");
                if (!guarded) offenders.Add($"{Path.GetFileName(file)}: {m.Groups[1].Value}");
            }
        }
        Assert.True(exports > 100, $"only {exports} exports found: is the pattern still right?");
        Assert.True(offenders.Count == 0, "exported without a catch-all: " + string.Join(", ", offenders));
    }

    [Fact]
    public void EveryExportIsNamedLst()
    {
        var src = Path.Combine(RepoRoot(), "native", "latentsynth_torch", "src");
        var names = Directory.GetFiles(src, "*.cpp")
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"LST_API\s+[\w\s\*]+?\b(\w+)\s*\(").Select(m => m.Groups[1].Value))
            .ToList();
        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.StartsWith("lst_", n));
    }
}
