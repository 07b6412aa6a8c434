using System.Data.Common;
using Broadsheet.Data;
using Broadsheet.Features.Authors;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Tags;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Bench;

/// <summary>
/// Makes a realistic site quickly. The schema is the real one (the app's own migrations run first),
/// and bodies go through the real <see cref="PostWriter.Prepare"/> (Markdig and the sanitiser).
/// Rendering is the slow part, so a few hundred distinct bodies are rendered once each and shared
/// between posts; titles, slugs, dates, bylines and tags differ for every post. Rows are written
/// with prepared INSERTs in one transaction; their table and column names come from the EF model,
/// so the generator follows the schema when a migration renames something.
/// </summary>
internal static class SiteGenerator
{
    private const int DistinctBodies = 600;

    public static async Task<int> GenerateAsync(string dataDirectory, int postCount, int seed)
    {
        var full = Path.GetFullPath(dataDirectory);
        if (File.Exists(Path.Combine(full, "broadsheet.db")))
            throw new InvalidOperationException($"{full} already holds a database; give a fresh folder.");
        Directory.CreateDirectory(full);

        await using var app = Program.BuildApp([
            $"--{DataDirectory.ConfigurationKey}={full}",
            "--Logging:LogLevel:Default=Warning",
            "--Broadsheet:DemoContent=false",
        ]);
        await DatabaseSetup.MigrateAsync(app.Services);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var writer = scope.ServiceProvider.GetRequiredService<PostWriter>();
        var now = DateTime.UtcNow;
        var random = new Random(seed);

        // Settings: marking the site initialised keeps the first-run demo out.
        var settings = await db.SiteSettings.SingleAsync();
        settings.Title = "Valley Tenants' Union";
        settings.Description = "News, statements and reports from the tenants of the valley estates.";
        settings.Navigation = "About us|/about\nJoin|/join";
        settings.InitialisedAt = now;
        var authors = Prose.Authors.Select(n => new Author { DisplayName = n, Slug = Slugs.From(n) }).ToList();
        var tags = Prose.Tags.Select(n => new Tag { Name = n, Slug = Slugs.From(n) }).ToList();
        db.Authors.AddRange(authors);
        db.Tags.AddRange(tags);
        await db.SaveChangesAsync();
        var site = Site.From(settings);

        // A few hundred bodies, rendered through the real writer once each.
        var bodies = new List<Post>(DistinctBodies);
        for (var i = 0; i < DistinctBodies; i++)
        {
            var template = new Post { Title = "template", Slug = "template", Body = Prose.Body(random), Status = PostStatus.Published, PublishedAt = now.AddDays(-1) };
            writer.Prepare(template, site);
            bodies.Add(template);
        }

        // Dates spread over ten years up to an hour ago, oldest first so ids grow with time as on a real site.
        var span = TimeSpan.FromDays(3652).Ticks;
        var dates = new DateTime[postCount];
        for (var i = 0; i < postCount; i++)
            dates[i] = now.AddHours(-1).AddTicks(-(long)(random.NextDouble() * span));
        Array.Sort(dates);
        for (var i = 0; i < postCount; i++)
            dates[i] = new DateTime(dates[i].Ticks - dates[i].Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var postProperties = new[]
        {
            nameof(Post.Id), nameof(Post.Kind), nameof(Post.Status), nameof(Post.Title), nameof(Post.Slug), nameof(Post.Body),
            nameof(Post.BodyFormat), nameof(Post.BodyHtml), nameof(Post.SummaryHtml), nameof(Post.Excerpt), nameof(Post.Pinned),
            nameof(Post.PublishedAt), nameof(Post.ArchiveMonth), nameof(Post.CreatedAt), nameof(Post.UpdatedAt), nameof(Post.Version),
        };
        using var insertPost = new BulkInsert(connection, transaction, db.Model.FindEntityType(typeof(Post))!, postProperties);
        using var insertByline = new BulkInsert(connection, transaction, db.Model.FindEntityType(typeof(PostAuthor))!,
            nameof(PostAuthor.PostId), nameof(PostAuthor.AuthorId), nameof(PostAuthor.Position));
        var postTags = db.Model.FindEntityType(typeof(Post))!.GetSkipNavigations().Single(n => n.Name == nameof(Post.Tags)).JoinEntityType;
        using var insertTag = new BulkInsert(connection, transaction, postTags,
            postTags.GetForeignKeys().Single(f => f.PrincipalEntityType.ClrType == typeof(Post)).Properties[0].Name,
            postTags.GetForeignKeys().Single(f => f.PrincipalEntityType.ClrType == typeof(Tag)).Properties[0].Name);

        var slugs = new HashSet<string>(StringComparer.Ordinal);
        string UniqueSlug(string title)
        {
            var baseSlug = Slugs.From(title);
            if (slugs.Add(baseSlug)) return baseSlug;
            for (var n = 2; ; n++)
                if (slugs.Add($"{baseSlug}-{n}")) return $"{baseSlug}-{n}";
        }

        // The one pinned statement sits a little below the top, as a real pinned post would.
        var pinnedIndex = Math.Max(0, postCount - 30);
        var written = 0;
        for (var i = 0; i < postCount; i++)
        {
            var id = i + 1;
            var pinned = i == pinnedIndex;
            var title = pinned ? "Our statement on the estate regeneration plan" : Prose.Title(random);
            var body = bodies[random.Next(bodies.Count)];
            // A sliver of drafts, as every real site has; they must stay out of every listing.
            var draft = !pinned && random.Next(200) == 0;
            DateTime? publishedAt = draft ? null : dates[i];
            int? archiveMonth = publishedAt is { } at ? PostPaths.ArchiveMonth(at, site.TimeZone) : null;
            insertPost.Add(id, PostKind.Post, draft ? PostStatus.Draft : PostStatus.Published, title, UniqueSlug(title), body.Body,
                BodyFormat.Markdown, body.BodyHtml, body.SummaryHtml, random.Next(10) == 0 ? Prose.Excerpt(random) : null, pinned,
                publishedAt, archiveMonth, dates[i], dates[i], 1);
            foreach (var (author, position) in Pick(random, authors.Count, random.Next(4) == 0 ? 2 : 1).Select((a, p) => (a, p)))
                insertByline.Add(id, authors[author].Id, position);
            foreach (var tag in Pick(random, tags.Count, 1 + random.Next(3)))
                insertTag.Add(id, tags[tag].Id);
            if (!draft) written++;
        }

        // Pages: not on the home page, but a real site has them and the nav links to them.
        var pageId = postCount;
        foreach (var (title, slug) in new[] { ("About us", "about"), ("Join the union", "join") })
        {
            pageId++;
            var body = bodies[random.Next(bodies.Count)];
            insertPost.Add(pageId, PostKind.Page, PostStatus.Published, title, slug, body.Body, BodyFormat.Markdown, body.BodyHtml,
                body.SummaryHtml, null, false, dates[0], PostPaths.ArchiveMonth(dates[0], site.TimeZone), dates[0], dates[0], 1);
            insertByline.Add(pageId, authors[0].Id, 0);
        }

        await transaction.CommitAsync();
        await db.Database.CloseConnectionAsync();
        var changes = scope.ServiceProvider.GetRequiredService<ContentChanges>();
        await changes.PublishedAsync(db);
        return written;
    }

    /// <summary><paramref name="count"/> distinct indexes below <paramref name="max"/>, earlier ones likelier (a few tags and writers carry most posts).</summary>
    private static List<int> Pick(Random random, int max, int count)
    {
        var picked = new List<int>(count);
        while (picked.Count < count)
        {
            var candidate = (int)(max * Math.Pow(random.NextDouble(), 1.6));
            if (!picked.Contains(candidate)) picked.Add(candidate);
        }
        return picked;
    }

    /// <summary>A prepared INSERT of some of an entity's properties, values converted as EF would store them.</summary>
    private sealed class BulkInsert : IDisposable
    {
        private readonly DbCommand command;
        private readonly IProperty[] properties;

        public BulkInsert(DbConnection connection, DbTransaction transaction, IEntityType entity, params IReadOnlyList<string> propertyNames)
        {
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            properties = [.. propertyNames.Select(n => entity.FindProperty(n) ?? throw new InvalidOperationException($"{entity.DisplayName()} has no {n}"))];
            command = connection.CreateCommand();
            command.Transaction = transaction;
            var columns = string.Join(", ", properties.Select(p => $"\"{p.GetColumnName(table)}\""));
            var parameters = string.Join(", ", properties.Select((_, i) => $"@p{i}"));
            command.CommandText = $"INSERT INTO \"{table.Name}\" ({columns}) VALUES ({parameters})";
            for (var i = 0; i < properties.Length; i++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = $"@p{i}";
                command.Parameters.Add(parameter);
            }
            command.Prepare();
        }

        public void Add(params object?[] values)
        {
            for (var i = 0; i < properties.Length; i++)
            {
                var value = values[i];
                if (value is not null && properties[i].GetTypeMapping().Converter is { } converter) value = converter.ConvertToProvider(value);
                if (value is Enum) value = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
                command.Parameters[i].Value = value ?? DBNull.Value;
            }
            command.ExecuteNonQuery();
        }

        public void Dispose() => command.Dispose();
    }
}
