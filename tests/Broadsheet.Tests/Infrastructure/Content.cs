using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>Arranges content the way the app itself writes it: posts through <see cref="PostWriter.SaveAsync"/>, the one door.</summary>
public static class Content
{
    public static async Task<Post> AddPostAsync(
        this BroadsheetFactory app,
        string title,
        string body = "Some words.",
        DateTime? publishedAt = null,
        string[]? tags = null,
        string[]? authors = null,
        PostKind kind = PostKind.Post,
        PostStatus status = PostStatus.Published,
        BodyFormat format = BodyFormat.Markdown,
        bool pinned = false,
        string? slug = null)
    {
        await using var scope = app.Scope();
        var saved = await scope.ServiceProvider.GetRequiredService<PostWriter>().SaveAsync(new PostChange(kind)
        {
            Title = title,
            Slug = slug,
            Body = body,
            Format = format,
            Status = status,
            PublishedAt = publishedAt ?? app.Clock.GetUtcNow().UtcDateTime.AddMinutes(-5),
            Pinned = pinned,
            Tags = tags ?? [],
            Authors = authors ?? [],
        }, PostActor.Site);
        Assert.True(saved.Outcome == PostSaveOutcome.Saved, $"The post \"{title}\" was refused: {saved.Outcome} {string.Join(" ", saved.Errors.Values.SelectMany(m => m))}");
        return saved.Post!;
    }

    /// <summary>Saves a change to a post as the app does (<see cref="PostWriter.SaveAsync"/>), by the site itself.</summary>
    public static async Task<Post> ChangePostAsync(this BroadsheetFactory app, PostChange change)
    {
        await using var scope = app.Scope();
        var saved = await scope.ServiceProvider.GetRequiredService<PostWriter>().SaveAsync(change, PostActor.Site);
        Assert.True(saved.Outcome == PostSaveOutcome.Saved, $"The change to post {change.Id} was refused: {saved.Outcome} {string.Join(" ", saved.Errors.Values.SelectMany(m => m))}");
        return saved.Post!;
    }

    public static async Task UpdateSettingsAsync(this BroadsheetFactory app, Action<SiteSettings> change)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var settings = await db.SiteSettings.SingleAsync();
        change(settings);
        await db.SaveChangesAsync();
        await scope.ServiceProvider.GetRequiredService<ContentChanges>().PublishedAsync(db);
    }
}
