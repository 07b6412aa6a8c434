using System.Text;
using System.Threading.Channels;
using System.Xml;
using Broadsheet.Data;
using Broadsheet.Features.Authors;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Redirects;
using Broadsheet.Features.Search;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Shared;
using Broadsheet.Features.Tags;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Broadsheet.Features.Import;

/// <summary>
/// Imports a Blogger or WordPress export into the site: the one entry point for the CLI verbs and
/// the admin upload page. The whole import is one database transaction (nothing is written if the
/// file turns out bad half-way), the file is streamed, and records already imported (matched by
/// their source key) are left alone, so running the same import twice changes nothing.
/// See README.md beside this file for the lifecycle and the mapping rules.
/// </summary>
public sealed class Importer(BroadsheetDb db, PostWriter writer, ContentRenderer renderer, SiteSettingsCache settingsCache, ContentChanges changes, TimeProvider clock)
{
    /// <summary>Posts written per SaveChanges; the change tracker is emptied between batches.</summary>
    private const int BatchSize = 400;

    private BroadsheetDb Db => db;
    private PostWriter Writer => writer;
    private ContentRenderer Renderer => renderer;
    private DateTime Now => clock.GetUtcNow().UtcDateTime;
    private TimeProvider Clock => clock;

    /// <param name="beforeCommit">Runs in the import's transaction just before it commits, with the summary: an import
    /// job records its end there, so "imported" and "recorded as imported" commit together, or neither does.</param>
    public async Task<ImportSummary> ImportAsync(ImportFormat format, Stream file, string fileName, IProgress<ImportProgress>? progress = null,
        Func<ImportSummary, CancellationToken, Task>? beforeCommit = null, CancellationToken cancellationToken = default)
    {
        // The readers are synchronous (XmlReader over a stream); an upload's request body must not be read
        // synchronously, so anything that is not a file is first spooled to a temporary one.
        if (file is not FileStream && !file.CanSeek)
        {
            var spool = Path.Combine(Path.GetTempPath(), "broadsheet-import-" + Guid.NewGuid().ToString("N"));
            await using var temp = new FileStream(spool, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            await file.CopyToAsync(temp, cancellationToken);
            temp.Position = 0;
            return await ImportAsync(format, temp, fileName, progress, beforeCommit, cancellationToken);
        }

        var total = file.CanSeek ? file.Length - file.Position : (long?)null;
        using var text = new ImportText(file, fileName, repair: format == ImportFormat.WordPress);
        using var xml = ImportXml.Open(text);
        var records = format == ImportFormat.Blogger ? BloggerReader.Read(xml, fileName) : WordPressReader.Read(xml, fileName);

        await using var run = new Run(this, await settingsCache.GetAsync(cancellationToken));
        var autoDetect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        db.ChangeTracker.Clear();
        // A pipeline: the file is read on one thread, each post's HTML is tidied and sanitised on the
        // thread pool (in parallel, a bounded number ahead), and the records are written here, in file
        // order, in the one transaction.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<Pending>(new BoundedChannelOptions(ReadAhead) { SingleReader = true, SingleWriter = true });
        var reading = Task.Run(() => ReadAsync(records, channel.Writer, fileName, text, xml, stop.Token), stop.Token);
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await run.LoadAsync(cancellationToken);
            await foreach (var (record, rendering) in channel.Reader.ReadAllAsync(cancellationToken))
            {
                await run.AddAsync(record, rendering, cancellationToken);
                if (run.Written % 50 == 0) progress?.Report(new ImportProgress(text.BytesRead, total, run.Written));
            }
            // A bad file (malformed, truncated, not UTF-8) surfaces here, before anything is committed.
            await reading;
            await run.FinishAsync(cancellationToken);
            if (beforeCommit is not null) await beforeCommit(run.Summary, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            // If writing failed, stop the reader before the file and the XML reader are disposed.
            await stop.CancelAsync();
            await Task.WhenAny(reading);
            db.ChangeTracker.Clear();
            db.ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
        progress?.Report(new ImportProgress(text.BytesRead, total, run.Written));
        await changes.PublishedAsync(db, cancellationToken);
        return run.Summary;
    }

    /// <summary>How many records may be read (and their posts rendered) ahead of the one being written.</summary>
    private const int ReadAhead = 64;

    /// <summary>A record read from the file and, for a post, its HTML being tidied and sanitised.</summary>
    private readonly record struct Pending(ImportRecord Record, Task<RenderedBody>? Rendering);

    private readonly record struct RenderedBody(string Body, ContentRenderer.Rendered Rendered);

    private async Task ReadAsync(IEnumerable<ImportRecord> records, ChannelWriter<Pending> writer, string fileName, ImportText text, XmlReader xml, CancellationToken cancellationToken)
    {
        try
        {
            using var enumerator = records.GetEnumerator();
            while (true)
            {
                ImportRecord record;
                try
                {
                    if (!enumerator.MoveNext()) break;
                    record = enumerator.Current;
                }
                catch (Exception e) when (e is XmlException or DecoderFallbackException or ImportFailedException)
                {
                    throw ImportXml.Fail(fileName, e, text, xml);
                }
                var rendering = record is ImportedPost post ? Task.Run(() => Render(post), cancellationToken) : null;
                await writer.WriteAsync(new Pending(record, rendering), cancellationToken);
            }
        }
        finally
        {
            // The writing loop ends either way; a failure is rethrown where this task is awaited.
            writer.TryComplete();
        }
    }

    private RenderedBody Render(ImportedPost post)
    {
        var body = post.Tidy is { } tidy ? tidy(post.BodyHtml) : post.BodyHtml;
        return new RenderedBody(body, renderer.Render(body, BodyFormat.Html));
    }

    /// <summary>The state of one import: what the database already holds, in dictionaries, so no record costs a query.</summary>
    private sealed class Run(Importer importer, Site initialSite) : IAsyncDisposable
    {
        private Site site = initialSite;
        private BroadsheetDb Db => importer.Db;
        private readonly Dictionary<string, int> postIds = new(StringComparer.Ordinal);
        private readonly Dictionary<PostKind, HashSet<string>> slugs = new() { [PostKind.Post] = new(StringComparer.Ordinal), [PostKind.Page] = new(StringComparer.Ordinal) };
        private readonly HashSet<string> commentKeys = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Tag> tags = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Author> authorsByKey = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Author> authorsBySlug = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> redirects = new(StringComparer.Ordinal);
        /// <summary>The posts written, for search; indexed at the end (see <see cref="IndexForSearchAsync"/>).</summary>
        private readonly List<(int Id, DateTime? PublishedAt)> unindexed = [];
        private ImportRows? postRows, bylineRows, postTagRows, redirectRows;
        private IProperty postTagPost = null!;
        private readonly List<ImportedComment> laterComments = [];
        private readonly Dictionary<string, Comment> newComments = new(StringComparer.Ordinal);
        private readonly List<(string Child, string Parent)> replies = [];
        private SiteSettings settings = null!;
        private bool siteWasEmpty;

        public ImportSummary Summary { get; } = new();
        public int Written { get; private set; }

        public async Task LoadAsync(CancellationToken cancellationToken)
        {
            settings = await Db.SiteSettings.SingleAsync(s => s.Id == SiteSettings.SingletonId, cancellationToken);
            siteWasEmpty = settings.InitialisedAt is null && !await Db.Posts.AnyAsync(cancellationToken);
            foreach (var p in await Db.Posts.AsNoTracking().Select(p => new { p.Id, p.Kind, p.Slug, p.SourceKey }).ToListAsync(cancellationToken))
            {
                slugs[p.Kind].Add(p.Slug);
                if (p.SourceKey is not null) postIds[p.SourceKey] = p.Id;
            }
            foreach (var key in await Db.Comments.AsNoTracking().Where(c => c.SourceKey != null).Select(c => c.SourceKey!).ToListAsync(cancellationToken))
                commentKeys.Add(key);
            foreach (var tag in await Db.Tags.ToListAsync(cancellationToken)) tags[tag.Slug] = tag;
            foreach (var author in await Db.Authors.ToListAsync(cancellationToken))
            {
                authorsBySlug[author.Slug] = author;
                if (author.SourceKey is not null) authorsByKey[author.SourceKey] = author;
            }
            foreach (var r in await Db.Redirects.AsNoTracking().Select(r => new { r.FromPath, r.ToPath }).ToListAsync(cancellationToken))
                redirects[r.FromPath] = r.ToPath;
            postRows = ImportRows.For<Post>(Db);
            bylineRows = ImportRows.For<PostAuthor>(Db);
            redirectRows = ImportRows.For<Redirect>(Db);
            var postTags = Db.Model.FindEntityType(typeof(Post))!.FindSkipNavigation(nameof(Post.Tags))!;
            postTagRows = ImportRows.For(Db, postTags.JoinEntityType);
            postTagPost = postTags.ForeignKey.Properties[0];
        }

        public async Task AddAsync(ImportRecord record, Task<RenderedBody>? rendering, CancellationToken cancellationToken)
        {
            switch (record)
            {
                case ImportedSite s:
                    // The blog's name becomes the site's only when the site had nothing before this import.
                    if (!siteWasEmpty) break;
                    if (!string.IsNullOrWhiteSpace(s.Title)) settings.Title = Cut(XmlSafeText.Clean(s.Title), 300);
                    if (s.Description is not null) settings.Description = Cut(XmlSafeText.Clean(s.Description), 2000);
                    if (s.TimeZone is { } zone && TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
                    {
                        // Permalinks and archives follow the blog's own zone, so /2015/10/ stays October.
                        settings.TimeZone = zone;
                        site = Site.From(settings);
                    }
                    break;
                case ImportedPost p:
                    await AddPostAsync(p, rendering!, cancellationToken);
                    break;
                case ImportedComment c:
                    if (postIds.ContainsKey(c.PostSourceKey)) AddComment(c);
                    else laterComments.Add(c);
                    break;
                case ImportedRedirect r:
                    await AddRedirectAsync(r.FromPath, r.ToPath, cancellationToken);
                    break;
                case ImportSkipped s:
                    Summary.Skipped.Add(new SkippedItem(s.What, s.Why));
                    break;
                case ImportNote n:
                    Summary.Notes.Add(n.Text);
                    break;
            }
        }

        private async Task AddPostAsync(ImportedPost source, Task<RenderedBody> rendering, CancellationToken cancellationToken)
        {
            var (body, rendered) = await rendering;
            if (postIds.ContainsKey(source.SourceKey))
            {
                Summary.AlreadyImported++;
                foreach (var comment in source.Comments) AddComment(comment);
                return;
            }
            var post = new Post
            {
                Kind = source.Kind,
                Status = source.Status,
                Title = Cut(source.Title, 500),
                Slug = UniqueSlug(source.Kind, source.WantedSlug ?? source.Title),
                Body = body,
                BodyFormat = BodyFormat.Html,
                Excerpt = source.Excerpt is null ? null : Cut(source.Excerpt, 2000),
                Pinned = source.Pinned,
                PublishedAt = source.PublishedAt,
                SourceKey = source.SourceKey,
                SourceUrl = source.SourceUrl is { Length: <= 2000 } url ? url : null,
            };
            List<Tag> postTags = [.. source.Tags.Select(TagFor).OfType<Tag>().Distinct()];
            List<Author> byline = [.. source.Authors.Select(AuthorFor).Distinct()];
            // A tag or author new to the site is saved first, for its id (a few per import, not per post).
            if (postTags.Any(t => t.Id == 0) || byline.Any(a => a.Id == 0)) await SaveAsync(cancellationToken);
            if (importer.Writer.Prepare(post, site, rendered)) Summary.Sanitised++;
            if (source.PublishedAt is null && source.Status == PostStatus.Draft) post.ArchiveMonth = null;
            post.Id = await postRows!.InsertAsync(post, cancellationToken);
            postIds[source.SourceKey] = post.Id;
            for (var i = 0; i < byline.Count; i++)
                await bylineRows!.InsertAsync(new PostAuthor { PostId = post.Id, AuthorId = byline[i].Id, Position = i }, cancellationToken);
            foreach (var tag in postTags)
                await postTagRows!.InsertAsync(p => p == postTagPost ? post.Id : tag.Id, cancellationToken);
            unindexed.Add((post.Id, post.PublishedAt));
            if (post.Kind == PostKind.Page) Summary.Pages++; else Summary.Posts++;
            if (post.Status == PostStatus.Draft) Summary.Drafts++;
            if (source.PasswordProtected) Summary.PasswordProtected++;
            if (post.Permalink is { } permalink && post.Status != PostStatus.Draft)
            {
                foreach (var old in source.OldPaths) await AddRedirectAsync(old, permalink, cancellationToken);
                foreach (var old in source.OldIdPaths) await AddIdRedirectAsync(old, permalink, cancellationToken);
            }
            foreach (var comment in source.Comments) AddComment(comment);
            Written++;
            if (Written % BatchSize == 0) await SaveAsync(cancellationToken);
        }

        private void AddComment(ImportedComment source)
        {
            if (commentKeys.Contains(source.SourceKey) || newComments.ContainsKey(source.SourceKey))
            {
                if (!newComments.ContainsKey(source.SourceKey)) Summary.AlreadyImported++;
                return;
            }
            if (!postIds.TryGetValue(source.PostSourceKey, out var postId))
            {
                Summary.Skipped.Add(new SkippedItem($"comment by {source.AuthorName}", "its post is not in the file (or was skipped)"));
                return;
            }
            var (html, changed) = importer.Renderer.SanitiseHtml(source.BodyHtml);
            if (changed) Summary.Sanitised++;
            var comment = new Comment
            {
                PostId = postId,
                Status = CommentStatus.Approved,
                AuthorName = Cut(XmlSafeText.Clean(source.AuthorName), 300),
                AuthorUrl = source.AuthorUrl is { Length: <= 2000 } u ? u : null,
                AuthorEmail = source.AuthorEmail is { Length: <= 320 } e ? e : null,
                BodyHtml = html,
                PublishedAt = source.PublishedAt,
                SourceKey = source.SourceKey,
            };
            Db.Comments.Add(comment);
            newComments[source.SourceKey] = comment;
            if (source.ParentSourceKey is not null) replies.Add((source.SourceKey, source.ParentSourceKey));
            Summary.Comments++;
            Written++;
        }

        private async Task AddRedirectAsync(string fromPath, string toPath, CancellationToken cancellationToken)
        {
            var from = RedirectPaths.Normalise(fromPath);
            if (from == "/" || from == toPath || from.Length > 1000 || redirects.ContainsKey(from)) return;
            redirects[from] = toPath;
            await redirectRows!.InsertAsync(new Redirect { FromPath = from, ToPath = toPath, CreatedAt = importer.Now }, cancellationToken);
            Summary.Redirects++;
        }

        /// <summary>A query-string address, kept as it is (see <see cref="Pipeline.WordPressIdRedirects"/>).</summary>
        private async Task AddIdRedirectAsync(string fromPathAndQuery, string toPath, CancellationToken cancellationToken)
        {
            if (redirects.ContainsKey(fromPathAndQuery)) return;
            redirects[fromPathAndQuery] = toPath;
            await redirectRows!.InsertAsync(new Redirect { FromPath = fromPathAndQuery, ToPath = toPath, CreatedAt = importer.Now }, cancellationToken);
            Summary.Redirects++;
        }

        private string UniqueSlug(PostKind kind, string wanted)
        {
            var baseSlug = Slugs.IsValid(wanted) && wanted.Length <= Slugs.MaxLength ? wanted : Slugs.From(wanted);
            var used = slugs[kind];
            var slug = baseSlug;
            for (var n = 2; used.Contains(slug); n++) slug = $"{baseSlug}-{n}";
            used.Add(slug);
            return slug;
        }

        private Tag? TagFor(string name)
        {
            name = XmlSafeText.Clean(name).Trim();
            if (name.Length == 0) return null;
            var slug = Slugs.From(name);
            if (tags.TryGetValue(slug, out var tag)) return tag;
            tag = new Tag { Name = Cut(name, 200), Slug = slug };
            Db.Tags.Add(tag);
            tags[slug] = tag;
            Summary.Tags++;
            return tag;
        }

        private Author AuthorFor(ImportedAuthor source)
        {
            if (authorsByKey.TryGetValue(source.SourceKey, out var author)) return author;
            var name = XmlSafeText.Clean(source.DisplayName);
            var slug = Slugs.From(name);
            // Someone of the same name already writes here (an earlier import, an editor): the same byline.
            if (authorsBySlug.TryGetValue(slug, out author)) return authorsByKey[source.SourceKey] = author;
            author = new Author
            {
                DisplayName = Cut(name, 300),
                Slug = slug,
                Email = source.Email is { Length: <= 320 } e ? e : null,
                WebsiteUrl = source.WebsiteUrl is { Length: <= 2000 } w ? w : null,
                SourceKey = source.SourceKey,
            };
            Db.Authors.Add(author);
            authorsByKey[source.SourceKey] = author;
            authorsBySlug[slug] = author;
            Summary.Authors++;
            return author;
        }

        /// <summary>
        /// Saves what goes through EF (tags, authors, comments, settings) and empties the change tracker,
        /// keeping tags and authors attached for the next batch.
        /// </summary>
        private async Task SaveAsync(CancellationToken cancellationToken)
        {
            Db.ChangeTracker.DetectChanges();
            await Db.SaveChangesAsync(cancellationToken);
            Db.ChangeTracker.Clear();
            Db.Tags.AttachRange(tags.Values);
            Db.Authors.AttachRange(authorsBySlug.Values.Distinct());
            Db.SiteSettings.Attach(settings);
        }

        /// <summary>
        /// Indexes the imported posts for search, oldest first. Posts are written as rows, so SaveChanges'
        /// search sync never sees them; and an export lists them in its own order (Blogger's newest first),
        /// while search's ranking window takes the highest document ids as the newest records.
        /// </summary>
        private async Task IndexForSearchAsync(CancellationToken cancellationToken)
        {
            unindexed.Sort((a, b) => SearchIndexBase.AgeOrder(a.PublishedAt, a.Id, b.PublishedAt, b.Id));
            var search = SearchSources.All.OfType<PostSearchSource>().Single();
            var index = SearchIndexBase.For(Db, importer.Clock);
            foreach (var batch in unindexed.Chunk(BatchSize))
            {
                await index.IndexAsync(await search.LoadAsync(Db, [.. batch.Select(p => p.Id)], cancellationToken), cancellationToken);
                Db.ChangeTracker.Clear();
            }
            unindexed.Clear();
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var rows in new[] { postRows, bylineRows, postTagRows, redirectRows })
                if (rows is not null) await rows.DisposeAsync();
        }

        public async Task FinishAsync(CancellationToken cancellationToken)
        {
            await SaveAsync(cancellationToken);
            foreach (var comment in laterComments) AddComment(comment);
            await SaveAsync(cancellationToken);
            // Replies point at their parent comment once both have ids.
            foreach (var (child, parent) in replies)
            {
                if (!newComments.TryGetValue(parent, out var parentComment)) continue;
                var childId = newComments[child].Id;
                await Db.Comments.Where(c => c.Id == childId).ExecuteUpdateAsync(c => c.SetProperty(x => x.ParentId, parentComment.Id), cancellationToken);
            }
            await IndexForSearchAsync(cancellationToken);
            await DemoContent.MarkInitialisedAsync(Db, importer.Now, cancellationToken);
        }

        private static string Cut(string text, int max) => text.Length <= max ? text : text[..max];
    }
}
