namespace LatentSynth.Data;

/// <summary>Where fetched packages and converted datasets are kept.</summary>
public static class DataCache
{
    /// <summary>Environment variable that overrides the default cache folder.</summary>
    public const string EnvironmentVariable = "LATENTSYNTH_CACHE";

    /// <summary>
    /// The cache folder, first match wins: <paramref name="cacheDir"/>; the environment variable
    /// <c>LATENTSYNTH_CACHE</c>; <c>$XDG_CACHE_HOME/latentsynth</c>; <c>~/.cache/latentsynth</c>.
    /// The folder is not created here.
    /// </summary>
    public static string Resolve(string? cacheDir = null) => Resolve(cacheDir, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="Resolve(string?)"/>, reading the environment through <paramref name="getEnv"/> (for tests).</summary>
    public static string Resolve(string? cacheDir, Func<string, string?> getEnv)
    {
        ArgumentNullException.ThrowIfNull(getEnv);
        if (!string.IsNullOrWhiteSpace(cacheDir)) return Path.GetFullPath(cacheDir);
        var env = getEnv(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env)) return Path.GetFullPath(env);
        var xdg = getEnv("XDG_CACHE_HOME");
        // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "latentsynth");
        var home = getEnv("HOME");
        if (string.IsNullOrWhiteSpace(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrWhiteSpace(home))
            throw new DatasetException($"cannot find a cache folder: HOME is not set; set {EnvironmentVariable} or pass a cache folder (--cache DIR)");
        return Path.Combine(home, ".cache", "latentsynth");
    }
}
