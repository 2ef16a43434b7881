using LatentSynth.Audio.Synthesis;

namespace LatentSynth.Audio.Tests.Synthesis;

/// <summary>The path kinds' one descriptor list: complete, consistent, and what the command line offers.</summary>
[Collection("AudioProcessWide")]
public sealed class PathKindsTests
{
    [Fact]
    public void Every_kind_has_one_descriptor_with_a_unique_name_and_defaults_in_range()
    {
        Assert.Equal(Enum.GetValues<PathKind>().Order(), PathKinds.All.Select(k => k.Kind).Order());
        Assert.Equal(PathKinds.All.Count, PathKinds.All.Select(k => k.Name).Distinct().Count());
        foreach (var k in PathKinds.All)
        {
            Assert.Same(k, PathKinds.Of(k.Kind));
            Assert.Same(k, PathKinds.Find("  " + k.Name.ToUpperInvariant() + " "));
            Assert.Equal(k.UsesPlane, k.Kind is PathKind.Circle or PathKind.Spiral or PathKind.Lissajous);
        }
        Assert.Null(PathKinds.Find("zigzag"));
        // A spec's defaults are the descriptors' defaults, and every default is accepted.
        var spec = new PathSpec();
        foreach (var p in PathParameters.All)
        {
            Assert.True(p.Accepts(p.Default), $"{p.Name} default {p.Default}");
            Assert.Equal(p.Default, p.Read(spec));
            Assert.Equal(p.Default + (p.IsInteger ? 1 : 0.5), p.Read(p.Apply(spec, p.Default + (p.IsInteger ? 1 : 0.5))));
        }
    }

    [Fact]
    public void A_parameter_checks_its_range_and_names_itself()
    {
        var it = PathParameters.GeodesicIterations;
        Assert.True(it.Accepts(500));
        Assert.False(it.Accepts(501));
        Assert.False(it.Accepts(2.5));                                 // whole numbers only
        Assert.False(PathParameters.Radius.Accepts(0));                // (0, 10]: the minimum is excluded
        Assert.False(PathParameters.Radius.Accepts(double.NaN));
        Assert.True(PathParameters.RadiusFrom.Accepts(0));             // [0, 10]
        Assert.False(PathParameters.Dim.Accepts(8, max: 7));
        var e = Assert.Throws<ArgumentException>(() => it.Check(501));
        Assert.Equal("geodesic iterations must be in 0..500 (a whole number); got 501", e.Message);
        Assert.Contains("--geodesic-iterations", Assert.Throws<ArgumentException>(() => it.Check(-1, name: it.Flag)).Message);
        Assert.Equal("(0, 10]", PathParameters.Radius.RangeText());
    }

    [Fact]
    public void The_command_line_offers_every_kind_and_every_parameter_from_the_descriptors()
    {
        var help = CliRunner.Run(400, "audio", "path", "--help").Output;
        foreach (var k in PathKinds.All) Assert.Contains(k.Name, help);
        foreach (var p in PathParameters.All)
        {
            Assert.Contains(p.Flag, help);
            Assert.Contains(p.RangeText(), help);
        }
    }

    [Fact]
    [BadInput("audio paths", "`audio path RUN --kind geodesic --geodesic-iterations 501` (above the kinds' one range)", "refused before the run is opened: one error line naming --geodesic-iterations and 0..500; the server refuses the same value as geodesic_iterations")]
    public void The_command_line_refuses_a_parameter_outside_the_descriptors_range_before_any_work()
    {
        var missingRun = Path.Combine(Path.GetTempPath(), "ls-no-such-run-" + Guid.NewGuid().ToString("N"));
        var r = CliRunner.Run(400, "audio", "path", missingRun, "--kind", "geodesic", "--geodesic-iterations", "501", "--out", Path.Combine(missingRun, "x.wav"));
        Assert.Equal(1, r.Code);
        var text = r.Output.Trim();
        Assert.Single(text.Split('\n'));
        Assert.Contains("--geodesic-iterations", text);
        Assert.Contains("0..500", text);
        Assert.DoesNotContain("not a run folder", text);          // checked before the run is opened
    }
}
