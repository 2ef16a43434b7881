namespace LatentSynth.TestSupport;

/// <summary>
/// Marks a test that feeds the project one kind of bad input and asserts what happens. The table in
/// <c>docs/bad-inputs.md</c> is generated from these attributes (one row each) by
/// <c>BadInputTableTests</c>, which fails when the committed table differs from the tests, so the
/// table always says what the tests check. Write each argument as one string literal.
/// </summary>
/// <param name="area">The group the row belongs to (for example "output paths", "numbers", "checkpoints").</param>
/// <param name="input">The bad input, as a user would meet it (for example "<c>sample RUN --png RUN/run.json</c>").</param>
/// <param name="outcome">What the project does with it (for example "refused: one error line naming --png; run.json untouched").</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class BadInputAttribute(string area, string input, string outcome) : Attribute
{
    /// <summary>The group of the row.</summary>
    public string Area { get; } = area;

    /// <summary>The bad input.</summary>
    public string Input { get; } = input;

    /// <summary>What happens.</summary>
    public string Outcome { get; } = outcome;
}
