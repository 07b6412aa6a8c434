using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Redirects;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>More arranging for the public-site tests: comments, renames and redirects, written as the app writes them.</summary>
public static class SiteContent
{
    /// <summary>A comment whose HTML went through the app's sanitiser, as importers store them.</summary>
    public static async Task AddCommentAsync(this BroadsheetFactory app, Post post, string author, string html,
        string? authorUrl = null, CommentStatus status = CommentStatus.Approved, DateTime? at = null)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var renderer = scope.ServiceProvider.GetRequiredService<ContentRenderer>();
        db.Comments.Add(new Comment
        {
            PostId = post.Id,
            AuthorName = author,
            AuthorUrl = authorUrl,
            BodyHtml = renderer.SanitiseHtml(html).Html,
            Status = status,
            PublishedAt = at ?? app.Clock.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync();
        await scope.ServiceProvider.GetRequiredService<ContentChanges>().PublishedAsync(db);
    }

    /// <summary>Gives a post a new slug the way the editor does (old address kept as a redirect); returns the new permalink.</summary>
    public static async Task<string> RenameAsync(this BroadsheetFactory app, Post post, string newSlug) =>
        (await app.ChangePostAsync(new PostChange(post.Kind) { Id = post.Id, Slug = newSlug })).Permalink!;

    public static async Task SetExcerptAsync(this BroadsheetFactory app, Post post, string excerpt)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        await db.Posts.Where(p => p.Id == post.Id).ExecuteUpdateAsync(p => p.SetProperty(x => x.Excerpt, excerpt));
        await scope.ServiceProvider.GetRequiredService<ContentChanges>().PublishedAsync(db);
    }

    public static async Task AddRedirectAsync(this BroadsheetFactory app, string from, string to)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        db.Redirects.Add(new Redirect { FromPath = RedirectPaths.Normalise(from), ToPath = to, CreatedAt = app.Clock.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync();
    }

    /// <summary>Waits, in real time, for something the app does in the background (the content poll) to show.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited {seconds} s for: {what}");
            await Task.Delay(50);
        }
    }
}
