using Broadsheet.Data;
using Broadsheet.Features.Settings;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Posts;

/// <summary>
/// A small demo site made on the very first <c>serve</c> of a database that has never held content,
/// so a newcomer sees a working site at once: a welcome post, a pinned statement, a tagged post and a page.
/// <see cref="SiteSettings.InitialisedAt"/> records that the site has had content (demo, import or
/// editor); after that the demo is never made again, even if everything is deleted.
/// </summary>
public sealed class DemoContent(BroadsheetDb db, PostWriter writer, SiteSettingsCache settingsCache, TimeProvider clock)
{
    /// <summary>Marks the site as having content so no demo is ever added (importers call this).</summary>
    public static async Task MarkInitialisedAsync(BroadsheetDb db, DateTime nowUtc, CancellationToken cancellationToken = default) =>
        await db.SiteSettings.Where(s => s.InitialisedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.InitialisedAt, nowUtc), cancellationToken);

    /// <returns>True if the demo was created.</returns>
    public async Task<bool> CreateIfNewAsync(CancellationToken cancellationToken = default)
    {
        var settings = await db.SiteSettings.Where(s => s.Id == SiteSettings.SingletonId).FirstAsync(cancellationToken);
        if (settings.InitialisedAt is not null) return false;
        var now = clock.GetUtcNow().UtcDateTime;
        if (await db.Posts.AnyAsync(cancellationToken))
        {
            settings.InitialisedAt = now;
            await db.SaveChangesAsync(cancellationToken);
            return false;
        }

        settings.Title = "Peace Now Coalition";
        settings.Description = "A campaign for an end to the war: news, statements and the weekly digest.";
        settings.InitialisedAt = now;
        settings.Navigation = "About us|/about";
        await db.SaveChangesAsync(cancellationToken);
        settingsCache.Invalidate();

        const string editor = "The Editors", organiser = "Sam Okafor";

        await AddAsync(PostKind.Page, "About us", "about", now.AddDays(-3), [], [editor], pinned: false, """
            We are a coalition of local groups, unions and faith communities who meet every month
            to campaign for a negotiated end to the war.

            This site is our public record: our statement, our news and the weekly digest we send
            to supporters. Everything here is published with **Broadsheet**.
            """);

        await AddAsync(PostKind.Post, "Our statement: stop the war now", "our-statement", now.AddDays(-2), ["statements"], [editor], pinned: true, """
            We, the undersigned, call on the government to press for an immediate ceasefire, to
            stop the sale of arms that prolong the fighting, and to open safe routes for people
            fleeing it.

            <!--more-->

            War has already cost tens of thousands of lives. Every month it continues, more homes,
            schools and hospitals are destroyed. A negotiated settlement is the only way it ends;
            the sooner talks begin, the more lives are saved.

            Add your name by writing to the organisers; online signing is coming soon.
            """);

        await AddAsync(PostKind.Post, "Welcome to the new site", "welcome", now.AddDays(-1), ["news"], [editor], pinned: false, """
            This is the coalition's new home on the web. Posts appear here newest first, each day
            under its own date. Statements are pinned to the top.

            You can follow us with the **Atom** or **RSS** feed linked in the sidebar, or look back
            through the archive by year and month.
            """);

        await AddAsync(PostKind.Post, "Report from Saturday's vigil", "saturday-vigil", now.AddHours(-2), ["events", "news"], [organiser, editor], pinned: false, """
            More than two hundred people joined the candle-lit vigil in the square on Saturday
            evening, in spite of the rain.

            Speakers from the teachers' union, the local mosque and the parish church read the
            names of towns shelled in the past month. A minute's silence closed the evening.

            > "We will keep coming back, every week, until the guns fall silent."

            Photographs and the full list of speakers will follow in the weekly digest.
            """);

        return true;

        async Task AddAsync(PostKind kind, string title, string slug, DateTime publishedAt, string[] tags, string[] byline, bool pinned, string markdown)
        {
            var saved = await writer.SaveAsync(new PostChange(kind)
            {
                Title = title,
                Slug = slug,
                Status = PostStatus.Published,
                PublishedAt = publishedAt,
                Body = string.Join('\n', markdown.Split('\n').Select(l => l.Trim())),
                Format = BodyFormat.Markdown,
                Pinned = pinned,
                Tags = tags,
                Authors = byline,
            }, PostActor.Site, cancellationToken);
            if (saved.Outcome != PostSaveOutcome.Saved) throw new InvalidOperationException($"The demo post \"{title}\" was refused: {saved.Outcome}.");
        }
    }
}
