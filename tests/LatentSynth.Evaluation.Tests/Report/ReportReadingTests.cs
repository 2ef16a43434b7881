using LatentSynth.Evaluation.Report;

namespace LatentSynth.Evaluation.Tests.Report;

public class ReportReadingTests
{
    static VariantReport V(string name, string family, params (string Metric, MetricValue Value)[] metrics) => new()
    {
        Name = name, Family = family, Metrics = metrics.ToDictionary(m => m.Metric, m => m.Value),
    };

    static BenchmarkReport Report(params VariantReport[] variants) => new()
    {
        Title = "t",
        MetricInfo = new Dictionary<string, MetricInfo>
        {
            ["recon"] = new("reconstruction", "nats", LowerIsBetter: true),
            ["is"] = new("inception-score analogue", "", LowerIsBetter: false),
            ["fd"] = new("Fréchet distance", "", LowerIsBetter: true),
            ["elbo"] = new("VAE only", "nats", LowerIsBetter: true),
        },
        Variants = variants,
    };

    [Fact]
    public void ComparesTheBestOfEachFamilyAndSaysWhereWaeDoesNotWin()
    {
        var r = Report(
            V("vae", "vae", ("recon", new(221.7)), ("is", new(3.97)), ("fd", new(174)), ("elbo", new(240))),
            V("vae-mse", "vae", ("recon", new(230)), ("is", new(3.5)), ("fd", new(137))),
            V("wae-mmd", "wae-mmd", ("recon", new(214.0)), ("is", new(3.49)), ("fd", new(147))),
            V("wae-gan", "wae-gan", ("recon", new(216.5)), ("is", new(3.2)), ("fd", new(115.9))),
            V("beta", "beta-vae", ("recon", new(100)), ("is", new(9)), ("fd", new(1))));   // another family: ignored
        var rows = ReportReading.Compare(r, ReportReading.WaeFamilies.ToArray(), ReportReading.VaeFamilies.ToArray(), "WAE", "VAE");
        Assert.Equal(["recon", "is", "fd"], rows.Select(x => x.Metric));   // elbo: no WAE has it
        var recon = rows[0];
        Assert.Equal(("wae-mmd", "vae", ComparisonVerdict.Better), (recon.ChallengerVariant, recon.BaselineVariant, recon.Verdict));
        Assert.Contains("−3.5 %", recon.Sentence);   // (214.0 − 221.7) / 221.7
        Assert.Equal(("wae-mmd", "vae", ComparisonVerdict.Worse), (rows[1].ChallengerVariant, rows[1].BaselineVariant, rows[1].Verdict));
        Assert.Equal(("wae-gan", "vae-mse", ComparisonVerdict.Better), (rows[2].ChallengerVariant, rows[2].BaselineVariant, rows[2].Verdict));
        var text = ReportReading.WaeAgainstVae(r);
        Assert.StartsWith("Best WAE variant against best VAE variant, metric by metric: WAE is better on 2 of 3 (recon, fd); WAE does not beat VAE on is.", text[0]);
        Assert.Contains(text, l => l.StartsWith("is (higher is better): WAE does not beat VAE: wae-mmd 3.49 vs vae 3.97", StringComparison.Ordinal));
    }

    [Fact]
    public void VariantByVariantPairsOnlySameObjectivesAndNamesTheLosses()
    {
        var r = Report(
            V("vae", "vae", ("recon", new(221.7)), ("is", new(3.97))) with { Objective = "bce" },
            V("vae-mse", "vae", ("recon", new(230)), ("is", new(3.5))) with { Objective = "mse" },
            V("wae-mmd", "wae-mmd", ("recon", new(214.0)), ("is", new(3.49))) with { Objective = "bce" },
            V("wae-gan", "wae-gan", ("recon", new(216.5)), ("is", new(4.4))) with { Objective = "bce" });
        var lines = ReportReading.WaeAgainstVaeByVariant(r);
        // Two bce WAEs against the one bce VAE; the mse VAE has no mse WAE to meet.
        Assert.Equal(2, lines.Count);
        Assert.Equal("wae-mmd against vae (both bce): better on 1 of 2 metrics; worse on is (3.49 vs 3.97).", lines[0]);
        Assert.Equal("wae-gan against vae (both bce): better on 2 of 2 metrics, worse on none.", lines[1]);
        Assert.Contains("Variant by variant", MarkdownSummary.Render(r));
        Assert.Contains("worse on is (3.49 vs 3.97)", HtmlReport.Render(r));
    }

    [Fact]
    public void DifferencesInsideTheSeedSpreadAreNotCountedAsWins()
    {
        var r = Report(V("vae", "vae", ("recon", new(220, 2))), V("wae", "wae-mmd", ("recon", new(218, 1))));
        var row = Assert.Single(ReportReading.Compare(r, ["wae-mmd"], ["vae"], "WAE", "VAE"));
        Assert.Equal(ComparisonVerdict.WithinSpread, row.Verdict);   // |−2| ≤ 1 + 2
        Assert.Contains("within the seeds' spread", row.Sentence);
        var r2 = Report(V("vae", "vae", ("recon", new(220, 0.5))), V("wae", "wae-mmd", ("recon", new(218, 0.5))));
        Assert.Equal(ComparisonVerdict.Better, ReportReading.Compare(r2, ["wae-mmd"], ["vae"], "WAE", "VAE")[0].Verdict);
    }

    [Fact]
    public void NoReadingWithoutBothFamiliesAndTheRenderingsShowIt()
    {
        Assert.Empty(ReportReading.WaeAgainstVae(Report(V("vae", "vae", ("recon", new(1))))));
        Assert.DoesNotContain("Reading", MarkdownSummary.Render(Report(V("vae", "vae", ("recon", new(1))))));
        var both = Report(V("vae", "vae", ("recon", new(2))), V("wae", "wae-gan", ("recon", new(1))));
        Assert.Contains("## Reading: WAE against VAE", MarkdownSummary.Render(both));
        Assert.Contains("<h2 id=\"reading\">", HtmlReport.Render(both));
        Assert.Contains("recon (lower is better): WAE beats VAE: wae 1 vs vae 2 (−50.0 %).", HtmlReport.Render(both));
    }
}
