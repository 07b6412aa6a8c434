using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Site;

/// <summary>The site's culture and time zone decide how dates are written and which day a post belongs to.</summary>
public abstract class SiteSettingsTests(TestProvider provider)
{
    [Fact]
    public async Task A_post_late_in_the_evening_in_utc_belongs_to_the_next_day_east_of_greenwich()
    {
        await using var app = new BroadsheetFactory(provider);
        await app.UpdateSettingsAsync(s => s.TimeZone = "Europe/Berlin");
        var post = await app.AddPostAsync("Midnight vigil", publishedAt: new DateTime(2015, 10, 31, 23, 30, 0, DateTimeKind.Utc));

        Assert.Equal("/2015/11/midnight-vigil", post.Permalink); // already 1 November in Berlin
        var client = app.CreateClient();
        var home = await client.GetDocumentAsync("/");
        Assert.Equal("Sunday 1 November 2015", home.QuerySelector(".date-header").Text());
        Assert.Contains("00:30", home.QuerySelector(".byline time").Text());
        Assert.StartsWith("2015-11-01T00:30:00+01:00", home.QuerySelector(".byline time")!.GetAttribute("datetime"));
        var month = await client.GetDocumentAsync("/2015/11");
        Assert.Contains("Midnight vigil", month.QuerySelector("main")!.TextContent);
    }

    [Fact]
    public async Task The_same_post_stays_on_its_day_in_london()
    {
        await using var app = new BroadsheetFactory(provider);
        var post = await app.AddPostAsync("Midnight vigil", publishedAt: new DateTime(2015, 10, 31, 23, 30, 0, DateTimeKind.Utc));
        Assert.Equal("/2015/10/midnight-vigil", post.Permalink);
        var home = await app.CreateClient().GetDocumentAsync("/");
        Assert.Equal("Saturday 31 October 2015", home.QuerySelector(".date-header").Text());
    }

    [Fact]
    public async Task A_german_site_writes_german_dates_and_declares_its_language()
    {
        await using var app = new BroadsheetFactory(provider);
        await app.UpdateSettingsAsync(s => { s.Culture = "de-DE"; s.TimeZone = "Europe/Berlin"; });
        await app.AddPostAsync("Mahnwache", publishedAt: new DateTime(2015, 10, 25, 9, 0, 0, DateTimeKind.Utc));
        var client = app.CreateClient();

        var home = await client.GetDocumentAsync("/");
        Assert.Equal("de-DE", home.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Sonntag, 25. Oktober 2015", home.QuerySelector(".date-header").Text());
        Assert.Contains("Oktober (1)", home.QuerySelectorAll("aside li li").Select(li => li.Text()));
        var month = await client.GetDocumentAsync("/2015/10");
        Assert.Equal("Oktober 2015", month.QuerySelector("h1").Text());
        var feed = FeedReaders.Syndication(await client.GetByteArrayAsync("/feed.rss"));
        Assert.Equal("de-DE", feed.Language);
    }

    [Fact]
    public async Task A_bad_culture_or_zone_in_settings_falls_back_instead_of_failing()
    {
        await using var app = new BroadsheetFactory(provider);
        await app.UpdateSettingsAsync(s => { s.Culture = "xx-NOPE-1"; s.TimeZone = "Mars/Olympus_Mons"; });
        await app.AddPostAsync("Still here", publishedAt: new DateTime(2015, 10, 25, 9, 0, 0, DateTimeKind.Utc));
        var home = await app.CreateClient().GetDocumentAsync("/");
        Assert.Contains("Still here", home.QuerySelector("main")!.TextContent);
    }
}

public sealed class SqliteSiteSettingsTests() : SiteSettingsTests(TestProvider.Sqlite);

public sealed class PostgresSiteSettingsTests() : SiteSettingsTests(TestProvider.Postgres);
