// Search benchmark: a generated site of 50,000 posts on SQLite, queried through the app's own
// ISearchIndex (the same code the /search page runs), printing `metric value unit` lines.
//
//   dotnet run -c Release --project bench/Broadsheet.Bench.Search [-- --posts 50000 --queries 2000]
//
// The text is generated prose over a vocabulary of ~150 English function words plus 30,000 made-up
// words, drawn with a Zipf distribution (rank^-1.05), so some words are in most posts and most
// words in few. Queries are what readers type into a site search: one to three content words
// (a place, a name, a topic; drawn Zipf-wise from all but the 150 function words) or a
// two-to-three-word phrase taken from a real post. The reference line is a primary-key lookup of
// one post measured in the same run on the same database, so slow machines can be compared;
// search_cpu_*_ms are the querying thread's CPU time, which other processes' load does not inflate.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Broadsheet;
using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Search;
using Broadsheet.Features.Tags;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

var postCount = Argument("--posts", 50_000);
var queryCount = Argument("--queries", 2_000);
var reindex = !args.Contains("--no-reindex");
// --data DIR keeps the generated site there and, when DIR already holds one, queries it again
// without regenerating (for iterating on the query; the same queries on every such run).
var keptDirectory = ArgumentText("--data");
var dataDirectory = keptDirectory ?? Directory.CreateTempSubdirectory("broadsheet-bench-search-").FullName;
if (keptDirectory is not null) Directory.CreateDirectory(keptDirectory);
var phrasesFile = Path.Combine(dataDirectory, "bench-phrases.txt");
var reuse = keptDirectory is not null && File.Exists(phrasesFile);
try
{
    var app = global::Broadsheet.Program.BuildApp([
        $"--{DataDirectory.ConfigurationKey}={dataDirectory}",
        "--Broadsheet:DemoContent=false",
        "--Search:IndexOnStart=false",
        "--Logging:LogLevel:Default=Warning",
        // --Search:RankingWindow=N (and any other --Search:… setting) passes through to the app.
        .. args.Where(a => a.StartsWith("--Search:", StringComparison.Ordinal)),
    ]);
    await DatabaseSetup.MigrateAsync(app.Services);
    var random = new Random(20261125);
    var text = new Prose(random);

    // 1. The site, written in batches through SaveChanges, so the search interceptor indexes it as an import would.
    var phrases = new List<string>();
    var build = Stopwatch.StartNew();
    if (reuse)
    {
        // The vocabulary is the same (it comes from the seed); the queries drawn differ from a generating
        // run's but are the same on every reusing run.
        phrases.AddRange(await File.ReadAllLinesAsync(phrasesFile));
        Console.Error.WriteLine($"# reusing the site in {dataDirectory}");
    }
    else await using (var scope = app.Services.CreateAsyncScope())
    {
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var tags = Enumerable.Range(0, 200).Select(i => new Tag { Name = text.Title(1, 2), Slug = $"tag-{i}" }).ToList();
        db.Tags.AddRange(tags);
        await db.SaveChangesAsync();
        var start = new DateTime(2008, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var zone = TimeZoneInfo.Utc;
        for (var batchStart = 0; batchStart < postCount; batchStart += 1_000)
        {
            for (var i = batchStart; i < Math.Min(postCount, batchStart + 1_000); i++)
            {
                var paragraphs = Enumerable.Range(0, random.Next(3, 9)).Select(_ => text.Paragraph()).ToList();
                if (i % 25 == 0) phrases.Add(text.PhraseFrom(paragraphs[0]));
                var html = string.Concat(paragraphs.Select(p => "<p>" + System.Net.WebUtility.HtmlEncode(p) + "</p>"));
                var publishedAt = start.AddMinutes(i * 170.0 + random.Next(0, 60));
                var post = new Post
                {
                    Kind = i % 50 == 0 ? PostKind.Page : PostKind.Post,
                    Status = i % 40 == 0 ? PostStatus.Draft : PostStatus.Published,
                    Title = text.Title(4, 10),
                    Slug = $"post-{i}",
                    Body = html,
                    BodyFormat = BodyFormat.Html,
                    BodyHtml = html,
                    PublishedAt = publishedAt,
                    ArchiveMonth = PostPaths.ArchiveMonth(publishedAt, zone),
                    CreatedAt = publishedAt,
                    UpdatedAt = publishedAt,
                    Version = 1,
                };
                post.Tags.AddRange(Enumerable.Range(0, random.Next(0, 4)).Select(_ => tags[random.Next(tags.Count)]).Distinct());
                db.Posts.Add(post);
            }
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
            tags.ForEach(t => db.Attach(t));
        }
    }
    build.Stop();
    if (!reuse)
    {
        Console.WriteLine(Metric("search_site_build_with_indexing_s", build.Elapsed.TotalSeconds, "s"));
        if (keptDirectory is not null) await File.WriteAllLinesAsync(phrasesFile, phrases);
    }

    // The app's background upkeep (SearchIndexUpkeep) merges the index's segments once separate writes
    // have left several; a site that has run for a while has had that done, so the bench does it too,
    // and says what it found. --untidy skips it, to measure an index fresh from many writes.
    if (!args.Contains("--untidy"))
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var watch = Stopwatch.StartNew();
            var pieces = await ((SearchIndexBase)scope.ServiceProvider.GetRequiredService<ISearchIndex>()).TidyAsync(mergeAtPieces: 2, CancellationToken.None);
            Console.Error.WriteLine(pieces is null ? "# the search index is in one segment" : $"# merged the search index's {pieces} segments into one in {watch.Elapsed.TotalSeconds:0.0} s");
        }

    // 2. Queries, through a fresh scope each (as each web request has).
    var queries = Enumerable.Range(0, queryCount).Select(_ => random.NextDouble() switch
    {
        < 0.40 => text.QueryWord(),
        < 0.70 => $"{text.QueryWord()} {text.QueryWord()}",
        < 0.80 => $"{text.QueryWord()} {text.QueryWord()} {text.QueryWord()}",
        _ => $"\"{phrases[random.Next(phrases.Count)]}\"",
    }).ToList();
    var found = 0;
    var searchCpuTimes = new List<double>();
    var lastHitCount = 0;
    async Task<double> SearchAsync(string q)
    {
        var cpu = ThreadCpu.Nanoseconds();
        var watch = Stopwatch.StartNew();
        await using var scope = app.Services.CreateAsyncScope();
        var results = await scope.ServiceProvider.GetRequiredService<ISearchIndex>().SearchAsync(new SearchRequest(SearchQuery.Parse(q)));
        watch.Stop();
        // SQLite answers synchronously under the async API, so the query ran on this thread throughout.
        searchCpuTimes.Add((ThreadCpu.Nanoseconds() - cpu) / 1e6);
        if (results.Hits.Count > 0) found++;
        lastHitCount = results.Hits.Count;
        return watch.Elapsed.TotalMilliseconds;
    }
    var maxId = postCount;
    async Task<double> LookupAsync(int id)
    {
        var watch = Stopwatch.StartNew();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        _ = await db.Posts.AsNoTracking().Where(p => p.Id == id).Select(p => new { p.Title, p.BodyHtml }).FirstOrDefaultAsync();
        watch.Stop();
        return watch.Elapsed.TotalMilliseconds;
    }
    foreach (var q in queries.Take(200)) await SearchAsync(q); // warm-up: JIT, page cache
    for (var i = 0; i < 200; i++) await LookupAsync(random.Next(1, maxId));
    found = 0;
    searchCpuTimes.Clear();
    var searchTimes = new List<double>();
    var lookupTimes = new List<double>();
    var perQuery = new List<(string Query, double Ms, double CpuMs, int Hits)>();
    foreach (var q in queries)
    {
        searchTimes.Add(await SearchAsync(q));
        perQuery.Add((q, searchTimes[^1], searchCpuTimes[^1], lastHitCount));
        lookupTimes.Add(await LookupAsync(random.Next(1, maxId)));
    }
    // Where the time goes, on stderr: the CPU p95 of each kind of query and the slowest queries.
    foreach (var group in perQuery.GroupBy(p => p.Query.StartsWith('"') ? "phrase" : $"{p.Query.Split(' ').Length}-word"))
        Console.Error.WriteLine($"# {group.Key}: {group.Count()} queries, cpu p50 {Percentile([.. group.Select(p => p.CpuMs)], 50):0.00} ms, p95 {Percentile([.. group.Select(p => p.CpuMs)], 95):0.00} ms, {group.Count(p => p.Ms > 10)} over 10 ms");
    foreach (var slow in perQuery.OrderByDescending(p => p.CpuMs).Take(args.Contains("--slowest") ? 40 : 0))
        Console.Error.WriteLine($"#   {slow.CpuMs,7:0.00} ms cpu {slow.Ms,7:0.00} ms wall  {slow.Hits,2} hits  {slow.Query}");
    Console.WriteLine(Metric("search_p50_ms", Percentile(searchTimes, 50), "ms"));
    Console.WriteLine(Metric("search_p95_ms", Percentile(searchTimes, 95), "ms"));
    Console.WriteLine(Metric("search_p99_ms", Percentile(searchTimes, 99), "ms"));
    Console.WriteLine(Metric("search_cpu_p50_ms", Percentile(searchCpuTimes, 50), "ms"));
    Console.WriteLine(Metric("search_cpu_p95_ms", Percentile(searchCpuTimes, 95), "ms"));
    Console.WriteLine(Metric("machine_load_1m", double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture), "load"));
    Console.WriteLine(Metric("search_queries_with_results_pct", found * 100.0 / queries.Count, "%"));
    Console.WriteLine(Metric("reference_pk_lookup_p95_ms", Percentile(lookupTimes, 95), "ms"));

    // 3. A full rebuild, as `broadsheet search reindex` does it.
    if (reindex)
    {
        var watch = Stopwatch.StartNew();
        await using var scope = app.Services.CreateAsyncScope();
        var count = await scope.ServiceProvider.GetRequiredService<ISearchIndex>().RebuildAsync();
        Console.WriteLine(Metric("search_reindex_s", watch.Elapsed.TotalSeconds, "s") + $"  # {count} records");
    }
    await app.DisposeAsync();
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    if (keptDirectory is null)
        try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
}

int Argument(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

string? ArgumentText(string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

static double Percentile(List<double> values, double percentile)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

static string Metric(string name, double value, string unit) => string.Create(CultureInfo.InvariantCulture, $"{name} {value:0.00} {unit}");

/// <summary>
/// CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID): what a query cost, whatever else the
/// machine was doing, where wall-clock percentiles on a shared 2-core machine mostly measure the queue.
/// </summary>
internal static partial class ThreadCpu
{
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    public static long Nanoseconds() => ClockGetTime(3, out var t) == 0 ? t.Seconds * 1_000_000_000 + t.Nanoseconds : 0;
}

/// <summary>Generated prose: function words and made-up content words, Zipf-distributed.</summary>
internal sealed class Prose
{
    private static readonly string[] FunctionWords =
        ("the of and to a in is that for it as was with be by on not he this are or his from at which but have an they you were " +
         "her she there been one all we their has would when what more if no out so said who up its about into them than can " +
         "only other new some could time these two may then do first any my now such like our over man me even most made after " +
         "also did many before must through back years where much your way well down should because each just those people how " +
         "too little state good very make world still own see men work long get here between both life being under never day " +
         "same another know while last might us great old year off come since against go came right used take three").Split(' ');

    private static readonly string[] Onsets = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "pl", "r", "s", "sh", "st", "t", "th", "tr", "v", "w", "z"];
    private static readonly string[] Vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"];
    private static readonly string[] Codas = ["", "", "n", "r", "s", "l", "m", "nd", "rt", "st", "ck"];

    private readonly Random random;
    private readonly string[] words;
    private readonly double[] cumulative;

    public Prose(Random random)
    {
        this.random = random;
        var made = new HashSet<string>(FunctionWords);
        while (made.Count < FunctionWords.Length + 30_000)
        {
            var syllables = random.Next(1, 4);
            var word = new StringBuilder();
            for (var s = 0; s < syllables; s++)
                word.Append(Onsets[random.Next(Onsets.Length)]).Append(Vowels[random.Next(Vowels.Length)]).Append(Codas[random.Next(Codas.Length)]);
            made.Add(word.ToString());
        }
        words = [.. FunctionWords, .. made.Except(FunctionWords)];
        cumulative = new double[words.Length];
        var total = 0.0;
        for (var rank = 0; rank < words.Length; rank++)
        {
            total += 1 / Math.Pow(rank + 1, 1.05);
            cumulative[rank] = total;
        }
        for (var rank = 0; rank < words.Length; rank++) cumulative[rank] /= total;
    }

    private int Rank(int from = 0)
    {
        while (true)
        {
            var at = Array.BinarySearch(cumulative, random.NextDouble());
            var rank = at >= 0 ? at : ~at;
            if (rank >= from && rank < words.Length) return rank;
        }
    }

    public string Word() => words[Rank()];

    /// <summary>A content word, as a reader would search for one.</summary>
    public string QueryWord() => words[Rank(FunctionWords.Length)];

    public string Title(int min, int max)
    {
        var title = string.Join(' ', Enumerable.Range(0, random.Next(min, max + 1)).Select(_ => words[Rank(random.Next(2) == 0 ? 0 : FunctionWords.Length)]));
        return char.ToUpperInvariant(title[0]) + title[1..];
    }

    public string Paragraph()
    {
        var sentences = Enumerable.Range(0, random.Next(2, 7)).Select(_ =>
        {
            var sentence = string.Join(' ', Enumerable.Range(0, random.Next(6, 19)).Select(_ => Word()));
            return char.ToUpperInvariant(sentence[0]) + sentence[1..] + ".";
        });
        return string.Join(' ', sentences);
    }

    /// <summary>Two or three consecutive words from a paragraph, for a phrase query that exists.</summary>
    public string PhraseFrom(string paragraph)
    {
        var tokens = paragraph.Split(' ');
        var length = random.Next(2, 4);
        var start = random.Next(0, Math.Max(1, tokens.Length - length));
        return string.Join(' ', tokens.Skip(start).Take(length)).TrimEnd('.').ToLowerInvariant();
    }
}
