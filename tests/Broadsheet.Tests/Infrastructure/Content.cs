using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>Arranges content the way the app itself writes it (through <see cref="PostWriter"/>), then tells the caches.</summary>
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
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var writer = scope.ServiceProvider.GetRequiredService<PostWriter>();
        var site = await scope.ServiceProvider.GetRequiredService<SiteSettingsCache>().GetAsync();
        var post = new Post
        {
            Kind = kind,
            Title = title,
            Slug = await PostWriter.UniqueSlugAsync(db, kind, slug ?? Slugs.From(title), null),
            Body = body,
            BodyFormat = format,
            Status = status,
            PublishedAt = publishedAt ?? app.Clock.GetUtcNow().UtcDateTime.AddMinutes(-5),
            Pinned = pinned,
        };
        post.Tags.AddRange(await PostWriter.TagsAsync(db, tags ?? []));
        var byline = new List<Features.Authors.Author>();
        foreach (var name in authors ?? []) byline.Add(await PostWriter.AuthorAsync(db, name));
        PostWriter.SetByline(post, byline);
        writer.Prepare(post, site);
        db.Posts.Add(post);
        await db.SaveChangesAsync();
        await scope.ServiceProvider.GetRequiredService<ContentChanges>().PublishedAsync(db);
        return post;
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
