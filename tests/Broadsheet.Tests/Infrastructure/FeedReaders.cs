using System.Diagnostics;
using System.ServiceModel.Syndication;
using System.Text.Json;
using System.Xml;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>
/// Reads feeds as readers do: Python's feedparser (the library behind many feed readers; Debian's
/// python3-feedparser) run as a process, and .NET's own SyndicationFeed reader.
/// </summary>
public static class FeedReaders
{
    public const string Python = "/usr/bin/python3";

    private const string Script = """
        import sys, json, feedparser
        d = feedparser.parse(sys.stdin.buffer.read())
        out = {
          "bozo": int(d.bozo), "problem": str(d.get("bozo_exception", "")), "version": d.version,
          "title": d.feed.get("title"), "link": d.feed.get("link"),
          "links": [{"rel": l.get("rel"), "href": l.get("href")} for l in d.feed.get("links", [])],
          "entries": [{
            "title": e.get("title"), "link": e.get("link"), "id": e.get("id"),
            "content": (e.get("content") or [{}])[0].get("value") or e.get("summary"),
            "authors": [a.get("name") for a in e.get("authors", []) if a.get("name")],
            "tags": [t.get("term") for t in e.get("tags", [])],
            "published": e.get("published"),
          } for e in d.entries],
        }
        print(json.dumps(out))
        """;

    private static readonly Lazy<bool> Installed = new(() =>
    {
        if (!File.Exists(Python)) return false;
        using var process = Process.Start(new ProcessStartInfo(Python, ["-c", "import feedparser"]) { RedirectStandardError = true });
        process!.WaitForExit(30_000);
        return process.ExitCode == 0;
    });

    public static void SkipUnlessFeedparser() =>
        Assert.SkipUnless(Installed.Value, $"Feed checker is off: {Python} cannot import feedparser (apt-get install python3-feedparser).");

    /// <summary>The feed as feedparser reads it (see <see cref="Script"/> for the shape).</summary>
    public static async Task<JsonElement> FeedparserAsync(byte[] feed)
    {
        SkipUnlessFeedparser();
        var start = new ProcessStartInfo(Python, ["-c", Script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.BaseStream.WriteAsync(feed);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, "feedparser failed: " + await stderr);
        return JsonDocument.Parse(await stdout).RootElement;
    }

    public static SyndicationFeed Syndication(byte[] feed)
    {
        using var reader = XmlReader.Create(new MemoryStream(feed), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
        return SyndicationFeed.Load(reader);
    }

    public static IEnumerable<string> Strings(this JsonElement array) => array.EnumerateArray().Select(e => e.GetString() ?? "");
}
