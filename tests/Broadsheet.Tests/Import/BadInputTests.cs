using System.Text;
using Broadsheet.Features.Import;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Import;

/// <summary>Files that must be refused with a clear message, leaving the site exactly as it was.</summary>
public abstract class BadInputTests(TestProvider provider)
{
    private BroadsheetFactory App() => new(provider);

    private static async Task<ImportFailedException> RefusedAsync(BroadsheetFactory app, ImportFormat format, byte[] file, string fileName = "export.xml")
    {
        await app.AddPostAsync("Already here", tags: ["local"]);
        var before = await app.BackupAsync();
        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => app.ImportAsync(format, file, fileName));
        Assert.StartsWith(fileName, failure.Message);
        Assert.Equal(before, await app.BackupAsync());
        return failure;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Malformed_xml_names_the_line_and_the_problem()
    {
        await using var app = App();
        var broken = Samples.BloggerClassic.Replace("<title type='text'>The rent strike begins</title>", "<title type='text'>The rent strike begins</titel>");
        var line = broken.Split('\n').ToList().FindIndex(l => l.Contains("</titel>")) + 1;

        var failure = await RefusedAsync(app, ImportFormat.Blogger, Utf8(broken), "blog-backup.xml");

        Assert.Equal(line, failure.Line);
        Assert.Contains($"line {line}", failure.Message);
        Assert.Contains("malformed", failure.Message);
    }

    [Fact]
    public async Task A_truncated_file_is_refused_even_after_many_good_posts_were_read()
    {
        await using var app = App();
        var big = new StringBuilder("<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'><id>tag:blogger.com,1999:blog-1</id>\n");
        for (var i = 0; i < 1000; i++)
            big.Append(System.Globalization.CultureInfo.InvariantCulture, $"<entry><id>tag:blogger.com,1999:blog-1.post-{i}</id><published>2020-01-01T00:00:00Z</published><category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#post'/><title>Post {i}</title><content type='html'>Body {i}</content></entry>\n");
        var cut = big.ToString()[..(big.Length - 300)];

        var failure = await RefusedAsync(app, ImportFormat.Blogger, Utf8(cut));

        Assert.Contains("truncated", failure.Message);
    }

    [Theory]
    [InlineData(ImportFormat.Blogger, "wordpress", "import wordpress")]
    [InlineData(ImportFormat.WordPress, "blogger", "import blogger")]
    [InlineData(ImportFormat.Blogger, "atom", "not a Blogger export")]
    [InlineData(ImportFormat.WordPress, "html", "not a WordPress export")]
    [InlineData(ImportFormat.Blogger, "json", "malformed")]
    [InlineData(ImportFormat.WordPress, "empty", "")]
    public async Task A_file_of_the_wrong_kind_says_what_it_is(ImportFormat format, string kind, string expected)
    {
        await using var app = App();
        var file = kind switch
        {
            "wordpress" => Samples.WordPress,
            "blogger" => Samples.BloggerClassic,
            "atom" => "<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><id>urn:uuid:1</id><title>Someone's feed</title><entry><id>urn:uuid:2</id><title>Hi</title></entry></feed>",
            "html" => "<html><body><p>Hello</p></body></html>",
            "json" => "{\"format\": \"broadsheet-backup\"}",
            _ => "",
        };

        var failure = await RefusedAsync(app, format, Utf8(file));

        Assert.Contains(expected, failure.Message);
    }

    [Fact]
    public async Task External_entities_are_refused_and_never_read()
    {
        await using var app = App();
        var secret = Path.Combine(app.DataDirectory, "secret.txt");
        await File.WriteAllTextAsync(secret, "TOP-SECRET-CONTENT");
        var xxe = $"""
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>
            <rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version>
            <item><title>&xxe;</title><wp:post_id>1</wp:post_id><wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item></channel></rss>
            """;

        var failure = await RefusedAsync(app, ImportFormat.WordPress, Utf8(xxe));

        Assert.Contains("DTD", failure.Message);
        Assert.DoesNotContain("TOP-SECRET", await app.BackupAsync());
    }

    [Fact]
    public async Task Entity_expansion_bombs_are_refused()
    {
        await using var app = App();
        var lol = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE feed [\n<!ENTITY lol0 \"lol\">\n");
        for (var i = 1; i <= 9; i++) lol.Append(System.Globalization.CultureInfo.InvariantCulture, $"<!ENTITY lol{i} \"&lol{i - 1};&lol{i - 1};&lol{i - 1};&lol{i - 1};&lol{i - 1};&lol{i - 1};&lol{i - 1};&lol{i - 1};&lol{i - 1};&lol{i - 1};\">\n");
        lol.Append("]>\n<feed xmlns='http://www.w3.org/2005/Atom'><id>tag:blogger.com,1999:blog-1</id><title>&lol9;</title></feed>");

        var failure = await RefusedAsync(app, ImportFormat.Blogger, Utf8(lol.ToString()));

        Assert.Equal(2, failure.Line);
        Assert.Contains("DTD", failure.Message);
    }

    [Theory]
    [InlineData(ImportFormat.Blogger)]
    [InlineData(ImportFormat.WordPress)]
    public async Task Invalid_utf8_names_its_line(ImportFormat format)
    {
        await using var app = App();
        var text = format == ImportFormat.Blogger ? Samples.BloggerClassic : Samples.WordPress;
        var lines = text.Split('\n');
        var target = Array.FindIndex(lines, l => l.Contains("<title", StringComparison.Ordinal) && l.Contains('e')) + 3;
        var bytes = new List<byte>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0) bytes.Add((byte)'\n');
            var line = Encoding.UTF8.GetBytes(lines[i]);
            if (i == target - 1) bytes.AddRange([0xC3, 0x28, 0xFF]);
            bytes.AddRange(line);
        }

        var failure = await RefusedAsync(app, format, [.. bytes]);

        Assert.Equal(target, failure.Line);
        Assert.Contains("not valid UTF-8", failure.Message);
    }
}

public sealed class SqliteBadInputTests() : BadInputTests(TestProvider.Sqlite);

public sealed class PostgresBadInputTests() : BadInputTests(TestProvider.Postgres);
