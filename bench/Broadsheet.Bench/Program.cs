using System.Diagnostics;
using System.Globalization;
using Broadsheet.Bench;

// broadsheet-bench generate --data DIR --posts N [--seed S]
// Fills a fresh SQLite database in DIR with a realistic site for the benchmarks (see ../README.md).

if (args.Length == 0 || args[0] is "-h" or "--help" || args[0] != "generate")
    return Usage(args.Length == 0 || args[0] is "-h" or "--help" ? 0 : 2);

string? data = null;
var posts = 1000;
var seed = 20151025;
for (var i = 1; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--data": data = Value(); break;
        case "--posts": posts = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture); break;
        default: return Usage(2);
    }
}
if (data is null || posts < 1) return Usage(2);

var watch = Stopwatch.StartNew();
var written = await SiteGenerator.GenerateAsync(data, posts, seed);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"generated {written} posts in {Path.GetFullPath(data)} in {watch.Elapsed.TotalSeconds:F1} s"));
return 0;

static int Usage(int exitCode)
{
    var text = "usage: broadsheet-bench generate --data DIR --posts N [--seed S]\n" +
               "  Makes a fresh SQLite database DIR/broadsheet.db holding N realistic posts (DIR must not hold one yet).";
    if (exitCode == 0) Console.WriteLine(text);
    else Console.Error.WriteLine(text);
    return exitCode;
}
