using System.Text;
using System.Text.RegularExpressions;

namespace LatentSynth.Cli.Tests;

/// <summary>
/// Keeps <c>docs/bad-inputs.md</c> true: the table is generated from every
/// <see cref="BadInputAttribute"/> in the test sources (tests/**/*.cs), and this test fails when
/// the committed file differs. On a difference it writes the generated text beside it as
/// <c>docs/bad-inputs.md.new</c>; <c>LATENTSYNTH_UPDATE_DOCS=1</c> rewrites the file itself.
/// </summary>
/// <remarks>
/// The attributes are read from the sources rather than by reflection because they live in nine
/// test assemblies that do not reference one another. Each argument must be one string literal
/// (the scanner refuses anything else, so a row can never be silently dropped).
/// </remarks>
public sealed partial class BadInputTableTests
{
    private const string DocPath = "docs/bad-inputs.md";

    /// <summary>One row: the attribute's three strings and the test that carries it.</summary>
    public sealed record Row(string Area, string Input, string Outcome, string Test);

    [GeneratedRegex(@"\[BadInput\((?<args>(?:[^\[\]""]|""(?:[^""\\]|\\.)*"")*)\)\]", RegexOptions.Singleline)]
    private static partial Regex AttributePattern();

    [GeneratedRegex(@"""((?:[^""\\]|\\.)*)""", RegexOptions.Singleline)]
    private static partial Regex LiteralPattern();

    [GeneratedRegex(@"(?:void|Task)\s+(\w+)\s*\(")]
    private static partial Regex MethodPattern();

    [GeneratedRegex(@"\bclass\s+(\w+)")]
    private static partial Regex ClassPattern();

    /// <summary>The repository root: the folder above tests/ holding the solution file.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LatentSynth.slnx"))) return dir.FullName;
        throw new InvalidOperationException("LatentSynth.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Every <c>[BadInput(...)]</c> in the test sources, in file and line order.</summary>
    public static List<Row> Scan(string root)
    {
        var rows = new List<Row>();
        var files = Directory.GetFiles(Path.Combine(root, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.EndsWith("BadInputAttribute.cs", StringComparison.Ordinal)
                        && !f.EndsWith(nameof(BadInputTableTests) + ".cs", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            foreach (Match m in AttributePattern().Matches(text))
            {
                var literals = LiteralPattern().Matches(m.Groups["args"].Value).Select(l => Regex.Unescape(l.Groups[1].Value)).ToList();
                var rest = LiteralPattern().Replace(m.Groups["args"].Value, "").Replace(",", "").Trim();
                if (literals.Count != 3 || rest.Length > 0)
                    throw new InvalidOperationException($"{file}: [BadInput(...)] must have three string literals, found: {m.Value}");
                var method = MethodPattern().Match(text, m.Index + m.Length);
                // The class holding the test: the last one declared less indented than the attribute
                // (a nested helper class declared above the test is at the same indentation).
                var cls = ClassPattern().Matches(text[..m.Index]).LastOrDefault(c => Indent(text, c.Index) < Indent(text, m.Index));
                if (!method.Success || cls is null) throw new InvalidOperationException($"{file}: no test method after {m.Value}");
                rows.Add(new Row(literals[0], literals[1], literals[2], $"{cls.Groups[1].Value}.{method.Groups[1].Value}"));
            }
        }
        return rows;
    }

    private static int Indent(string text, int index)
    {
        int lineStart = text.LastIndexOf('\n', Math.Max(0, index - 1)) + 1;
        int i = lineStart;
        while (i < text.Length && text[i] is ' ' or '\t') i++;
        return i - lineStart;
    }

    /// <summary>The markdown page generated from <paramref name="rows"/>: one table per area, areas and rows sorted.</summary>
    public static string Render(IReadOnlyList<Row> rows)
    {
        var sb = new StringBuilder();
        sb.Append("# Bad inputs and what happens\n\n");
        sb.Append("Generated from the tests: every row is one test that feeds this input through the real code (the command\n");
        sb.Append("line where a user would meet it) and asserts the outcome. Do not edit by hand: change the test's\n");
        sb.Append("`[BadInput]` attribute and run the tests (`BadInputTableTests` writes `docs/bad-inputs.md.new`;\n");
        sb.Append("`LATENTSYNTH_UPDATE_DOCS=1` rewrites this file).\n");
        foreach (var area in rows.GroupBy(r => r.Area).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            sb.Append($"\n## {area.Key}\n\n| bad input | what happens | test |\n|---|---|---|\n");
            foreach (var r in area.OrderBy(r => r.Input, StringComparer.Ordinal).ThenBy(r => r.Test, StringComparer.Ordinal))
                sb.Append($"| {Cell(r.Input)} | {Cell(r.Outcome)} | `{r.Test}` |\n");
        }
        sb.Append($"\n{rows.Count} kinds of bad input in {rows.GroupBy(r => r.Area).Count()} groups.\n");
        return sb.ToString();
    }

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    [Fact]
    public void ScannerReadsEveryArgumentAndRefusesWhatItCannotRead()
    {
        var dir = Directory.CreateTempSubdirectory("lst-badinput-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "tests", "X"));
            File.WriteAllText(Path.Combine(dir, "tests", "X", "A.cs"),
                "class Alpha {\n class Nested {}\n [Fact]\n [BadInput(\"files\",\n   \"a \\\"quoted\\\" | pipe\", \"refused\")]\n public void Refuses() {} }\n");
            var rows = Scan(dir);
            var row = Assert.Single(rows);
            Assert.Equal(new Row("files", "a \"quoted\" | pipe", "refused", "Alpha.Refuses"), row);
            Assert.Contains("| a \"quoted\" \\| pipe | refused | `Alpha.Refuses` |", Render(rows));

            File.WriteAllText(Path.Combine(dir, "tests", "X", "B.cs"), "class B { [BadInput(\"a\", Name, \"c\")] public void T() {} }");
            Assert.Throws<InvalidOperationException>(() => Scan(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void DocsTableMatchesTheTests()
    {
        var root = RepoRoot();
        var rows = Scan(root);
        Assert.NotEmpty(rows);
        var expected = Render(rows);
        var path = Path.Combine(root, DocPath);
        var actual = File.Exists(path) ? File.ReadAllText(path) : "";
        if (actual == expected)
        {
            File.Delete(path + ".new");
            return;
        }
        if (Environment.GetEnvironmentVariable("LATENTSYNTH_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, expected);
            return;
        }
        File.WriteAllText(path + ".new", expected);
        Assert.Fail($"{DocPath} is out of date with the [BadInput] attributes of the tests; the generated table is in {DocPath}.new " +
                    "(move it over, or run the tests with LATENTSYNTH_UPDATE_DOCS=1)");
    }
}
