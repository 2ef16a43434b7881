using LatentSynth.Torch.IO;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LatentSynth.Training;

/// <summary>
/// The per-epoch metrics of a run, in two files holding the same rows: <c>metrics.csv</c> (a header,
/// then one line per epoch) and <c>metrics.jsonl</c> (one JSON object per line). Columns:
/// <c>epoch</c> (1-based), <c>step</c> (steps done), <c>train_loss</c> and <c>train_TERM</c> (means over
/// the epoch's training examples, at the weights of the moment), <c>val_loss</c> and <c>val_TERM</c>
/// (validation pass at the end of the epoch, regularizers at full weight), <c>lr</c>, <c>seconds</c>
/// (time the epoch took), <c>train_seconds</c> (its training steps alone). Numbers are written culture-invariantly in round-trip form.
/// </summary>
public sealed class MetricsLog
{
    /// <summary>CSV file name.</summary>
    public const string CsvFile = "metrics.csv";

    /// <summary>JSON-lines file name.</summary>
    public const string JsonlFile = "metrics.jsonl";

    private readonly string csvPath, jsonlPath;

    /// <summary>The metrics of run folder <paramref name="runDir"/>.</summary>
    public MetricsLog(string runDir)
    {
        csvPath = Path.Combine(runDir, CsvFile);
        jsonlPath = Path.Combine(runDir, JsonlFile);
    }

    /// <summary>The columns of a row for <paramref name="report"/>, in file order.</summary>
    public static List<(string Column, double Value)> Row(EpochReport report)
    {
        var row = new List<(string, double)> { ("epoch", report.Epoch), ("step", report.Step) };
        foreach (var (k, v) in report.Train) row.Add(("train_" + k, v));
        foreach (var (k, v) in report.Validation) row.Add(("val_" + k, v));
        row.Add(("lr", report.LearningRate));
        row.Add(("seconds", report.Seconds));
        if (!double.IsNaN(report.TrainSeconds)) row.Add(("train_seconds", report.TrainSeconds));
        return row;
    }

    /// <summary>Appends the row of <paramref name="report"/> to both files (a header first when the CSV is new).</summary>
    public void Append(EpochReport report)
    {
        var row = Row(report);
        string[] header;
        if (File.Exists(csvPath) && File.ReadLines(csvPath).FirstOrDefault() is { Length: > 0 } first)
            header = first.Split(',');
        else
        {
            header = row.Select(r => r.Column).ToArray();
            File.WriteAllText(csvPath, string.Join(',', header) + "\n");
        }
        var values = row.ToDictionary(r => r.Column, r => r.Value, StringComparer.Ordinal);
        var csv = string.Join(',', header.Select(c => values.TryGetValue(c, out var v) ? Format(v) : ""));
        File.AppendAllText(csvPath, csv + "\n");

        var obj = new JsonObject();
        foreach (var (column, value) in row)
            obj[column] = column is "epoch" or "step" ? JsonValue.Create((long)value)
                : double.IsFinite(value) ? JsonValue.Create(value) : null;
        File.AppendAllText(jsonlPath, obj.ToJsonString() + "\n");
    }

    /// <summary>
    /// Keeps only the rows of epochs up to <paramref name="epochsDone"/> (and drops any line cut short
    /// by a crash): what a run resumed from a checkpoint of that many epochs must start from.
    /// </summary>
    public void Truncate(int epochsDone)
    {
        if (File.Exists(csvPath))
        {
            var lines = File.ReadAllLines(csvPath);
            if (lines.Length > 0)
            {
                int columns = lines[0].Split(',').Length;
                var kept = new StringBuilder(lines[0]).Append('\n');
                foreach (var line in lines.Skip(1))
                {
                    var fields = line.Split(',');
                    if (fields.Length == columns && int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var e) && e <= epochsDone)
                        kept.Append(line).Append('\n');
                }
                AtomicFile.WriteAllText(csvPath, kept.ToString());
            }
        }
        if (File.Exists(jsonlPath))
        {
            var kept = new StringBuilder();
            foreach (var line in File.ReadAllLines(jsonlPath))
            {
                try
                {
                    if (JsonNode.Parse(line) is JsonObject o && o["epoch"] is JsonValue v && v.TryGetValue<long>(out var e) && e <= epochsDone)
                        kept.Append(line).Append('\n');
                }
                catch (JsonException) { /* a line cut short by a crash */ }
            }
            AtomicFile.WriteAllText(jsonlPath, kept.ToString());
        }
    }

    /// <summary>Reads the CSV rows back (column name to value; empty cells are NaN).</summary>
    public List<Dictionary<string, double>> ReadCsv()
    {
        var rows = new List<Dictionary<string, double>>();
        if (!File.Exists(csvPath)) return rows;
        var lines = File.ReadAllLines(csvPath);
        if (lines.Length == 0) return rows;
        var header = lines[0].Split(',');
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(',');
            var row = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int i = 0; i < header.Length && i < fields.Length; i++)
                row[header[i]] = double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>
    /// The highest epoch number among the rows of <c>metrics.csv</c> (0 when the file is missing,
    /// empty or unreadable): how far the run got by its own log, whatever its checkpoints say.
    /// </summary>
    public int EpochsLogged()
    {
        try
        {
            return ReadCsv().Select(r => r.GetValueOrDefault("epoch", double.NaN))
                .Where(e => double.IsFinite(e) && e >= 1 && e <= int.MaxValue).Select(e => (int)e).DefaultIfEmpty(0).Max();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>Path of <c>metrics.csv</c>.</summary>
    public string CsvPath => csvPath;

    private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
