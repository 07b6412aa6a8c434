using System.Text.Json;
using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Email;
using Broadsheet.Features.Authors;
using Broadsheet.Features.Import;
using Broadsheet.Features.Media;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Redirects;
using Broadsheet.Features.Settings;
using Broadsheet.Features.Statements;
using Broadsheet.Features.Subscribers;
using Broadsheet.Features.Tags;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Export;

/// <summary>
/// Writes the whole site to a <see cref="BackupFile"/> and restores one into an empty database
/// (one transaction: a bad file restores nothing). See <see cref="BackupFile"/> for the format's rules.
/// </summary>
public sealed class JsonBackup(BroadsheetDb db, ContentRenderer renderer, ContentChanges changes, MailLinkKeyCache mailLinkKeys)
{
    public async Task ExportAsync(Stream output, bool includePasswordHashes, CancellationToken cancellationToken = default)
    {
        var backup = await ReadAsync(includePasswordHashes, cancellationToken);
        await JsonSerializer.SerializeAsync(output, backup, BackupFile.Json, cancellationToken);
        await output.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    private async Task<BackupFile> ReadAsync(bool includePasswordHashes, CancellationToken cancellationToken)
    {
        var s = await db.SiteSettings.AsNoTracking().SingleAsync(x => x.Id == SiteSettings.SingletonId, cancellationToken);
        var roleNames = await db.Roles.AsNoTracking().ToDictionaryAsync(r => r.Id, r => r.Name ?? "", cancellationToken);
        var userRoles = (await db.UserRoles.AsNoTracking().ToListAsync(cancellationToken)).ToLookup(r => r.UserId, r => roleNames.GetValueOrDefault(r.RoleId, ""));
        var users = await db.Users.AsNoTracking().ToListAsync(cancellationToken);
        var authors = await db.Authors.AsNoTracking().ToListAsync(cancellationToken);
        var authorSlugs = authors.ToDictionary(a => a.Id, a => a.Slug);
        var tags = await db.Tags.AsNoTracking().ToListAsync(cancellationToken);
        var posts = await db.Posts.AsNoTracking().Include(p => p.Tags).Include(p => p.Authors).AsSplitQuery().ToListAsync(cancellationToken);
        var postRefs = posts.ToDictionary(p => p.Id, p => new BackupPostRef(p.Kind, p.Slug));
        var revisions = await db.PostRevisions.AsNoTracking().ToListAsync(cancellationToken);
        var comments = await db.Comments.AsNoTracking().ToListAsync(cancellationToken);
        var orderedComments = comments.OrderBy(c => postRefs[c.PostId].Kind).ThenBy(c => postRefs[c.PostId].Slug, StringComparer.Ordinal)
            .ThenBy(c => c.PublishedAt).ThenBy(c => c.Id).ToList();
        var commentIndex = orderedComments.Select((c, i) => (c.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var newsletters = await db.Newsletters.AsNoTracking().OrderBy(n => n.Id).ToListAsync(cancellationToken);
        var newsletterSlugs = newsletters.ToDictionary(n => n.Id, n => n.Slug);
        string? SlugOf(int? id) => id is { } n && newsletterSlugs.TryGetValue(n, out var slug) ? slug : null;
        var consent = (await db.ConsentRecords.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(c => c.At).ThenBy(c => c.Id).ToLookup(c => c.SubscriberId);
        var subscribers = await db.Subscribers.AsNoTracking().Include(x => x.Subscriptions).OrderBy(x => x.Id).AsSplitQuery().ToListAsync(cancellationToken);
        var statements = await db.Statements.AsNoTracking().ToListAsync(cancellationToken);
        var signatures = (await db.Signatures.AsNoTracking().OrderBy(g => g.Id).ToListAsync(cancellationToken)).ToLookup(g => g.StatementId);
        var rules = (await db.SigningRules.AsNoTracking().ToListAsync(cancellationToken))
            .OrderBy(r => r.Kind).ThenBy(r => r.Value, StringComparer.Ordinal).ThenBy(r => r.Allow).ToLookup(r => r.StatementId);
        var mailLinkKey = await db.MailLinkKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == MailLinkKey.SingletonId, cancellationToken);

        return new BackupFile
        {
            Settings = new BackupSettings
            {
                Title = s.Title, Description = s.Description, Culture = s.Culture, TimeZone = s.TimeZone, BaseUrl = s.BaseUrl,
                PostsPerPage = s.PostsPerPage, Navigation = s.Navigation, LogoUrl = s.LogoUrl, InitialisedAt = s.InitialisedAt,
            },
            Users = [.. users.OrderBy(u => u.Id, StringComparer.Ordinal).Select(u => new BackupUser
            {
                Id = u.Id, UserName = u.UserName, Email = u.Email, EmailConfirmed = u.EmailConfirmed, DisplayName = u.DisplayName, CreatedAt = u.CreatedAt,
                Roles = [.. userRoles[u.Id].Order(StringComparer.Ordinal)],
                PasswordHash = includePasswordHashes ? u.PasswordHash : null,
            })],
            Authors = [.. authors.OrderBy(a => a.Slug, StringComparer.Ordinal).Select(a => new BackupAuthor
            {
                Slug = a.Slug, DisplayName = a.DisplayName, Bio = a.Bio, Email = a.Email, WebsiteUrl = a.WebsiteUrl, UserId = a.UserId, SourceKey = a.SourceKey,
            })],
            Tags = [.. tags.OrderBy(t => t.Slug, StringComparer.Ordinal).Select(t => new BackupTag { Slug = t.Slug, Name = t.Name, Description = t.Description })],
            Posts = [.. posts.OrderBy(p => p.Kind).ThenBy(p => p.Slug, StringComparer.Ordinal).Select(p => new BackupPost
            {
                Kind = p.Kind, Slug = p.Slug, Status = p.Status, Title = p.Title, BodyFormat = p.BodyFormat, Body = p.Body, Excerpt = p.Excerpt,
                Pinned = p.Pinned, PublishedAt = p.PublishedAt, ArchiveMonth = p.ArchiveMonth, CreatedAt = p.CreatedAt, UpdatedAt = p.UpdatedAt,
                Version = p.Version, SourceKey = p.SourceKey, SourceUrl = p.SourceUrl,
                Authors = [.. p.Authors.OrderBy(a => a.Position).ThenBy(a => authorSlugs[a.AuthorId], StringComparer.Ordinal).Select(a => authorSlugs[a.AuthorId])],
                Tags = [.. p.Tags.Select(t => t.Slug).Order(StringComparer.Ordinal)],
            })],
            Revisions = [.. revisions.OrderBy(r => postRefs[r.PostId].Kind).ThenBy(r => postRefs[r.PostId].Slug, StringComparer.Ordinal)
                .ThenBy(r => r.CreatedAt).ThenBy(r => r.Id).Select(r => new BackupRevision
            {
                Post = postRefs[r.PostId], Title = r.Title, BodyFormat = r.BodyFormat, Body = r.Body, Excerpt = r.Excerpt,
                CreatedAt = r.CreatedAt, CreatedByUserId = r.CreatedByUserId, IsAutosave = r.IsAutosave,
            })],
            Comments = [.. orderedComments.Select(c => new BackupComment
            {
                Post = postRefs[c.PostId], Parent = c.ParentId is { } parent && commentIndex.TryGetValue(parent, out var i) ? i : null,
                Status = c.Status, AuthorName = c.AuthorName, AuthorUrl = c.AuthorUrl, AuthorEmail = c.AuthorEmail, BodyHtml = c.BodyHtml,
                PublishedAt = c.PublishedAt, SourceKey = c.SourceKey,
            })],
            Redirects = [.. (await db.Redirects.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(r => r.FromPath, StringComparer.Ordinal)
                .Select(r => new BackupRedirect { FromPath = r.FromPath, ToPath = r.ToPath, CreatedAt = r.CreatedAt })],
            Media = [.. (await db.Media.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(m => m.StoredName, StringComparer.Ordinal)
                .Select(m => new BackupMedia
            {
                StoredName = m.StoredName, OriginalName = m.OriginalName, ContentType = m.ContentType, Size = m.Size, Sha256 = m.Sha256,
                Width = m.Width, Height = m.Height, AltText = m.AltText, CreatedAt = m.CreatedAt, UploadedByUserId = m.UploadedByUserId, SourceUrl = m.SourceUrl,
            })],
            Newsletters = [.. newsletters.Select(n => new BackupNewsletter
            {
                Id = n.Id, Slug = n.Slug, Name = n.Name, Description = n.Description, FromName = n.FromName, FromAddress = n.FromAddress, ReplyTo = n.ReplyTo,
                OpenForSubscription = n.OpenForSubscription, TitlePattern = n.TitlePattern, CreatedAt = n.CreatedAt, Version = n.Version,
            })],
            Issues = [.. (await db.NewsletterIssues.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(i => newsletterSlugs[i.NewsletterId], StringComparer.Ordinal).ThenBy(i => i.Number)
                .Select(i => new BackupIssue
            {
                Newsletter = newsletterSlugs[i.NewsletterId], Number = i.Number, Post = postRefs[i.PostId], Subject = i.Subject, SendStatus = i.SendStatus,
                SendRequestedAt = i.SendRequestedAt, SendFinishedAt = i.SendFinishedAt, PausedReason = i.PausedReason, SentBy = i.SentBy, CreatedAt = i.CreatedAt,
            })],
            Subscribers = [.. subscribers.Select(x => new BackupSubscriber
            {
                Id = x.Id, Email = x.Email, Name = x.Name, LinkSecret = x.LinkSecret, CreatedAt = x.CreatedAt, UpdatedAt = x.UpdatedAt, ConfirmationSentAt = x.ConfirmationSentAt,
                Subscriptions = [.. x.Subscriptions.OrderBy(y => newsletterSlugs[y.NewsletterId], StringComparer.Ordinal).Select(y => new BackupSubscription
                {
                    Newsletter = newsletterSlugs[y.NewsletterId], Status = y.Status, CreatedAt = y.CreatedAt, ConfirmedAt = y.ConfirmedAt, UnsubscribedAt = y.UnsubscribedAt,
                })],
                Consent = [.. consent[x.Id].Select(c => new BackupConsent
                {
                    Newsletter = SlugOf(c.NewsletterId), Action = c.Action, Source = c.Source, Detail = c.Detail, IpAddress = c.IpAddress, At = c.At,
                })],
            })],
            Suppressions = [.. (await db.Suppressions.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(x => x.AddressHash, StringComparer.Ordinal).ThenBy(x => SlugOf(x.NewsletterId), StringComparer.Ordinal)
                .Select(x => new BackupSuppression { AddressHash = x.AddressHash, Newsletter = SlugOf(x.NewsletterId), Reason = x.Reason, Detail = x.Detail, At = x.At })],
            DkimKeys = [.. (await db.DkimKeys.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(k => k.Domain, StringComparer.Ordinal).ThenBy(k => k.Selector, StringComparer.Ordinal)
                .Select(k => new BackupDkimKey { Domain = k.Domain, Selector = k.Selector, PrivateKeyPem = k.PrivateKeyPem, Active = k.Active, CreatedAt = k.CreatedAt })],
            MailLinkKey = mailLinkKey?.Key,
            Statements = [.. statements.OrderBy(x => postRefs[x.PostId].Kind).ThenBy(x => postRefs[x.PostId].Slug, StringComparer.Ordinal).Select(x => new BackupStatement
            {
                Post = postRefs[x.PostId], AdoptedBy = x.AdoptedBy, AdoptedOn = x.AdoptedOn, OpenForSigning = x.OpenForSigning, Goal = x.Goal, ClosesAt = x.ClosesAt,
                FieldsAsked = x.FieldsAsked, FieldsRequired = x.FieldsRequired, RequiresApproval = x.RequiresApproval, Newsletter = SlugOf(x.NewsletterId),
                CreatedAt = x.CreatedAt, UpdatedAt = x.UpdatedAt, Version = x.Version,
                Signatures = [.. signatures[x.Id].Select(g => new BackupSignature
                {
                    Id = g.Id, Name = g.Name, Organisation = g.Organisation, Role = g.Role, Town = g.Town, Country = g.Country, Email = g.Email,
                    ShowPublicly = g.ShowPublicly, NewsletterOptIn = g.NewsletterOptIn, Status = g.Status, Moderation = g.Moderation, Source = g.Source,
                    SourceDetail = g.SourceDetail, ConsentWording = g.ConsentWordingHash, IpAddress = g.IpAddress, LinkSecret = g.LinkSecret,
                    CreatedAt = g.CreatedAt, VerifiedAt = g.VerifiedAt, VerificationSentAt = g.VerificationSentAt, ModeratedAt = g.ModeratedAt,
                })],
                Rules = [.. rules[x.Id].Select(BackupRule)],
            })],
            ConsentWordings = [.. (await db.ConsentWordings.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(w => w.Hash, StringComparer.Ordinal)
                .Select(w => new BackupConsentWording { Hash = w.Hash, Text = w.Text, FirstUsedAt = w.FirstUsedAt })],
            SigningRules = [.. rules[null].Select(BackupRule)],
            DataExports = [.. (await db.DataExportRecords.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(r => r.At).ThenBy(r => r.Id)
                .Select(r => new BackupDataExport { What = r.What, Scope = r.Scope, By = r.By, Rows = r.Rows, At = r.At })],
        };

        static BackupSigningRule BackupRule(SigningRule r) => new() { Kind = r.Kind, Allow = r.Allow, Value = r.Value, Note = r.Note, CreatedAt = r.CreatedAt };
    }

    /// <summary>Restores a backup into an empty database, in one transaction.</summary>
    /// <param name="beforeCommit">Runs in the restore's transaction just before it commits, with the summary: an import
    /// job records its end there, so "restored" and "recorded as restored" commit together, or neither does (as
    /// <see cref="Importer.ImportAsync"/>'s).</param>
    public async Task<ImportSummary> RestoreAsync(Stream input, string fileName, Func<ImportSummary, CancellationToken, Task>? beforeCommit = null,
        CancellationToken cancellationToken = default)
    {
        BackupFile backup;
        try
        {
            backup = await JsonSerializer.DeserializeAsync<BackupFile>(input, BackupFile.Json, cancellationToken)
                     ?? throw new ImportFailedException(fileName, null, "the file holds no backup (it is JSON null)");
        }
        catch (JsonException e)
        {
            var problem = e.Message.Contains("invalid UTF-8", StringComparison.OrdinalIgnoreCase) || e.InnerException is System.Text.DecoderFallbackException
                ? "the file is not valid UTF-8"
                : $"this is not a valid Broadsheet JSON backup ({e.Message.Split(" Path:")[0]})";
            throw new ImportFailedException(fileName, e.LineNumber is { } l ? (int)l + 1 : null, problem, e);
        }
        if (backup.Format != BackupFile.FormatName)
            throw new ImportFailedException(fileName, null, $"this is not a Broadsheet backup (its format is '{backup.Format}')");
        if (backup.Version > BackupFile.CurrentVersion || backup.Version < 1)
            throw new ImportFailedException(fileName, null, $"this backup is format version {backup.Version}; this Broadsheet reads versions 1 to {BackupFile.CurrentVersion}. Upgrade Broadsheet first.");
        if (backup.Unknown is { Count: > 0 } unknown)
            throw new ImportFailedException(fileName, null, $"this backup has sections this Broadsheet does not know ({string.Join(", ", unknown.Keys.Order(StringComparer.Ordinal))}); restore it with the version that wrote it or a newer one");
        await EnsureEmptyAsync(fileName, cancellationToken);

        var summary = new ImportSummary();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var settings = await db.SiteSettings.SingleAsync(x => x.Id == SiteSettings.SingletonId, cancellationToken);
        var s = backup.Settings ?? new BackupSettings();
        settings.Title = s.Title; settings.Description = s.Description; settings.Culture = s.Culture; settings.TimeZone = s.TimeZone;
        settings.BaseUrl = s.BaseUrl; settings.PostsPerPage = s.PostsPerPage; settings.Navigation = s.Navigation; settings.LogoUrl = s.LogoUrl;
        settings.InitialisedAt = s.InitialisedAt;

        var roles = new Dictionary<string, IdentityRole>(StringComparer.Ordinal);
        foreach (var role in await db.Roles.ToListAsync(cancellationToken)) roles[role.Name ?? ""] = role;
        foreach (var u in backup.Users ?? [])
        {
            db.Users.Add(new User
            {
                Id = u.Id, UserName = u.UserName, NormalizedUserName = u.UserName?.ToUpperInvariant(), Email = u.Email,
                NormalizedEmail = u.Email?.ToUpperInvariant(), EmailConfirmed = u.EmailConfirmed, DisplayName = u.DisplayName, CreatedAt = u.CreatedAt,
                PasswordHash = u.PasswordHash, SecurityStamp = Guid.NewGuid().ToString("N"), ConcurrencyStamp = Guid.NewGuid().ToString(),
            });
            foreach (var name in u.Roles ?? [])
            {
                if (!roles.TryGetValue(name, out var role))
                    db.Roles.Add(roles[name] = role = new IdentityRole(name) { NormalizedName = name.ToUpperInvariant() });
                db.UserRoles.Add(new IdentityUserRole<string> { UserId = u.Id, RoleId = role.Id });
            }
        }

        var authors = new Dictionary<string, Author>(StringComparer.Ordinal);
        foreach (var a in backup.Authors ?? [])
            db.Authors.Add(authors[a.Slug] = new Author { Slug = a.Slug, DisplayName = a.DisplayName, Bio = a.Bio, Email = a.Email, WebsiteUrl = a.WebsiteUrl, UserId = a.UserId, SourceKey = a.SourceKey });
        summary.Authors = authors.Count;
        var tags = new Dictionary<string, Tag>(StringComparer.Ordinal);
        foreach (var t in backup.Tags ?? [])
            db.Tags.Add(tags[t.Slug] = new Tag { Slug = t.Slug, Name = t.Name, Description = t.Description });
        summary.Tags = tags.Count;

        var posts = new Dictionary<BackupPostRef, Post>();
        foreach (var p in backup.Posts ?? [])
        {
            var rendered = renderer.Render(p.Body, p.BodyFormat);
            var post = new Post
            {
                Kind = p.Kind, Slug = p.Slug, Status = p.Status, Title = p.Title, BodyFormat = p.BodyFormat, Body = p.Body,
                BodyHtml = rendered.BodyHtml, SummaryHtml = rendered.SummaryHtml, Excerpt = p.Excerpt, Pinned = p.Pinned,
                PublishedAt = p.PublishedAt, ArchiveMonth = p.ArchiveMonth, CreatedAt = p.CreatedAt, UpdatedAt = p.UpdatedAt,
                Version = p.Version, SourceKey = p.SourceKey, SourceUrl = p.SourceUrl,
            };
            foreach (var slug in p.Tags ?? []) post.Tags.Add(tags.GetValueOrDefault(slug) ?? throw Broken(fileName, $"post '{p.Slug}' has tag '{slug}', which the file does not list"));
            var byline = (p.Authors ?? []).Select(slug => authors.GetValueOrDefault(slug) ?? throw Broken(fileName, $"post '{p.Slug}' has author '{slug}', which the file does not list")).ToList();
            PostWriter.SetByline(post, byline);
            if (!posts.TryAdd(new BackupPostRef(p.Kind, p.Slug), post)) throw Broken(fileName, $"two {p.Kind.ToString().ToLowerInvariant()}s have the slug '{p.Slug}'");
            db.Posts.Add(post);
            if (p.Kind == PostKind.Page) summary.Pages++; else summary.Posts++;
            if (p.Status == PostStatus.Draft) summary.Drafts++;
        }
        Post PostFor(BackupPostRef reference) => posts.GetValueOrDefault(reference) ?? throw Broken(fileName, $"a record points at {reference.Kind.ToString().ToLowerInvariant()} '{reference.Slug}', which the file does not hold");

        foreach (var r in backup.Revisions ?? [])
            db.PostRevisions.Add(new PostRevision { Post = PostFor(r.Post), Title = r.Title, BodyFormat = r.BodyFormat, Body = r.Body, Excerpt = r.Excerpt, CreatedAt = r.CreatedAt, CreatedByUserId = r.CreatedByUserId, IsAutosave = r.IsAutosave });
        var comments = new List<Comment>();
        foreach (var c in backup.Comments ?? [])
        {
            var (html, changed) = renderer.SanitiseHtml(c.BodyHtml);
            if (changed) summary.Sanitised++;
            var comment = new Comment { Post = PostFor(c.Post), Status = c.Status, AuthorName = c.AuthorName, AuthorUrl = c.AuthorUrl, AuthorEmail = c.AuthorEmail, BodyHtml = html, PublishedAt = c.PublishedAt, SourceKey = c.SourceKey };
            comments.Add(comment);
            db.Comments.Add(comment);
        }
        summary.Comments = comments.Count;
        foreach (var r in backup.Redirects ?? [])
            db.Redirects.Add(new Redirect { FromPath = r.FromPath, ToPath = r.ToPath, CreatedAt = r.CreatedAt });
        summary.Redirects = backup.Redirects?.Count ?? 0;
        foreach (var m in backup.Media ?? [])
            db.Media.Add(new MediaFile { StoredName = m.StoredName, OriginalName = m.OriginalName, ContentType = m.ContentType, Size = m.Size, Sha256 = m.Sha256, Width = m.Width, Height = m.Height, AltText = m.AltText, CreatedAt = m.CreatedAt, UploadedByUserId = m.UploadedByUserId, SourceUrl = m.SourceUrl });

        await db.SaveChangesAsync(cancellationToken);
        await RestoreMailAsync(backup, posts, fileName, summary, cancellationToken);
        await RestoreStatementsAsync(backup, posts, fileName, summary, cancellationToken);
        var list = backup.Comments ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Parent is not { } parent) continue;
            if (parent < 0 || parent >= comments.Count || parent == i) throw Broken(fileName, $"comment {i} replies to comment {parent}, which does not exist");
            comments[i].ParentId = comments[parent].Id;
        }
        await db.SaveChangesAsync(cancellationToken);
        if (beforeCommit is not null) await beforeCommit(summary, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        mailLinkKeys.Forget();
        await changes.PublishedAsync(db, cancellationToken);
        return summary;
    }

    /// <summary>
    /// Newsletters, issues, subscribers (with subscriptions and consent), suppressions, DKIM keys and the mail link key,
    /// in the restore's transaction. Newsletter and subscriber ids are put back as they were (mailed links carry them).
    /// </summary>
    private async Task RestoreMailAsync(BackupFile backup, Dictionary<BackupPostRef, Post> posts, string fileName, ImportSummary summary, CancellationToken cancellationToken)
    {
        var newsletters = new Dictionary<string, Newsletter>(StringComparer.Ordinal);
        foreach (var n in backup.Newsletters ?? [])
        {
            if (n.Id < 1) throw Broken(fileName, $"newsletter '{n.Slug}' has no id");
            var newsletter = new Newsletter
            {
                Id = n.Id, Slug = n.Slug, Name = n.Name, Description = n.Description, FromName = n.FromName, FromAddress = n.FromAddress, ReplyTo = n.ReplyTo,
                OpenForSubscription = n.OpenForSubscription, TitlePattern = n.TitlePattern, CreatedAt = n.CreatedAt, Version = n.Version,
            };
            if (!newsletters.TryAdd(n.Slug, newsletter)) throw Broken(fileName, $"two newsletters have the slug '{n.Slug}'");
            db.Newsletters.Add(newsletter);
        }
        Newsletter NewsletterFor(string slug) => newsletters.GetValueOrDefault(slug) ?? throw Broken(fileName, $"a record points at newsletter '{slug}', which the file does not hold");
        foreach (var i in backup.Issues ?? [])
        {
            var post = posts.GetValueOrDefault(i.Post) ?? throw Broken(fileName, $"issue {i.Number} of '{i.Newsletter}' is post '{i.Post.Slug}', which the file does not hold");
            // Deliveries are not in a backup: a send that was under way is left paused, to be looked at, not resumed blind.
            var interrupted = i.SendStatus is IssueSendStatus.Sending;
            db.NewsletterIssues.Add(new NewsletterIssue
            {
                Newsletter = NewsletterFor(i.Newsletter), Number = i.Number, Post = post, Subject = i.Subject,
                SendStatus = interrupted ? IssueSendStatus.Paused : i.SendStatus, SendRequestedAt = i.SendRequestedAt, SendFinishedAt = i.SendFinishedAt,
                PausedReason = interrupted ? "Restored from a backup while it was sending; the backup does not hold who had already received it." : i.PausedReason,
                SentBy = i.SentBy, CreatedAt = i.CreatedAt,
            });
        }
        var restored = new List<(Subscriber Subscriber, BackupSubscriber From)>();
        foreach (var x in backup.Subscribers ?? [])
        {
            if (EmailAddresses.Clean(x.Email) is not { } email || x.Id < 1) throw Broken(fileName, $"subscriber {x.Id} has no usable address or id");
            var subscriber = new Subscriber
            {
                Id = x.Id, Email = email, CanonicalEmail = EmailAddresses.Canonical(email), AddressHash = EmailAddresses.Hash(email), Name = x.Name, LinkSecret = x.LinkSecret,
                CreatedAt = x.CreatedAt, UpdatedAt = x.UpdatedAt, ConfirmationSentAt = x.ConfirmationSentAt,
            };
            foreach (var y in x.Subscriptions ?? [])
                subscriber.Subscriptions.Add(new Subscription { Newsletter = NewsletterFor(y.Newsletter), Status = y.Status, CreatedAt = y.CreatedAt, ConfirmedAt = y.ConfirmedAt, UnsubscribedAt = y.UnsubscribedAt });
            db.Subscribers.Add(subscriber);
            restored.Add((subscriber, x));
        }
        foreach (var x in backup.Suppressions ?? [])
            db.Suppressions.Add(new Suppression { AddressHash = x.AddressHash, NewsletterId = x.Newsletter is null ? Suppression.EveryNewsletter : NewsletterFor(x.Newsletter).Id, Reason = x.Reason, Detail = x.Detail, At = x.At });
        foreach (var k in backup.DkimKeys ?? [])
            db.DkimKeys.Add(new DkimKey { Domain = k.Domain, Selector = k.Selector, PrivateKeyPem = k.PrivateKeyPem, Active = k.Active, CreatedAt = k.CreatedAt });
        if (backup.MailLinkKey is { Length: > 0 } key)
        {
            // A fresh site may have made its own key already (at its first mail link); the backup's replaces it.
            await db.MailLinkKeys.Where(k => k.Id == MailLinkKey.SingletonId).ExecuteDeleteAsync(cancellationToken);
            db.MailLinkKeys.Add(new MailLinkKey { Key = key, CreatedAt = DateTime.UtcNow });
        }
        await db.SaveChangesAsync(cancellationToken);
        foreach (var (subscriber, from) in restored)
            foreach (var c in from.Consent ?? [])
                db.ConsentRecords.Add(new ConsentRecord
                {
                    SubscriberId = subscriber.Id, NewsletterId = c.Newsletter is null ? null : NewsletterFor(c.Newsletter).Id, Action = c.Action, Source = c.Source,
                    Detail = c.Detail, IpAddress = c.IpAddress, At = c.At,
                });
        await db.SaveChangesAsync(cancellationToken);
        foreach (var entity in (Type[])[typeof(Newsletter), typeof(Subscriber)])
            await db.Dialect.AfterExplicitIdsAsync(db, db.Model.FindEntityType(entity)!.GetTableName()!, cancellationToken);
        summary.Newsletters = newsletters.Count;
        summary.Subscribers = restored.Count;
    }

    /// <summary>
    /// Statements with their signatures and rules, the consent wordings, the site-wide rules and the export record, in the
    /// restore's transaction, after the posts and newsletters they point at. Signature ids are put back as they were
    /// (mailed links carry them); canonical addresses and hashes are made again from the addresses.
    /// </summary>
    private async Task RestoreStatementsAsync(BackupFile backup, Dictionary<BackupPostRef, Post> posts, string fileName, ImportSummary summary, CancellationToken cancellationToken)
    {
        var wordings = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in backup.ConsentWordings ?? [])
        {
            if (!wordings.Add(w.Hash)) throw Broken(fileName, $"consent wording {w.Hash} is there twice");
            db.ConsentWordings.Add(new ConsentWording { Hash = w.Hash, Text = w.Text, FirstUsedAt = w.FirstUsedAt });
        }
        var statements = new HashSet<BackupPostRef>();
        var signatureIds = new HashSet<long>();
        var signatureCount = 0;
        var ruled = new List<(Statement Statement, List<BackupSigningRule> Rules)>();
        foreach (var x in backup.Statements ?? [])
        {
            var post = posts.GetValueOrDefault(x.Post) ?? throw Broken(fileName, $"a statement is post '{x.Post.Slug}', which the file does not hold");
            if (!statements.Add(x.Post)) throw Broken(fileName, $"post '{x.Post.Slug}' is two statements");
            var newsletter = x.Newsletter is null ? null
                : db.Newsletters.Local.FirstOrDefault(n => n.Slug == x.Newsletter) ?? throw Broken(fileName, $"statement '{x.Post.Slug}' offers newsletter '{x.Newsletter}', which the file does not hold");
            var statement = new Statement
            {
                Post = post, AdoptedBy = x.AdoptedBy, AdoptedOn = x.AdoptedOn, OpenForSigning = x.OpenForSigning, Goal = x.Goal, ClosesAt = x.ClosesAt,
                FieldsAsked = x.FieldsAsked, FieldsRequired = x.FieldsRequired, RequiresApproval = x.RequiresApproval, Newsletter = newsletter,
                CreatedAt = x.CreatedAt, UpdatedAt = x.UpdatedAt, Version = x.Version,
            };
            db.Statements.Add(statement);
            var canonical = new HashSet<string>(StringComparer.Ordinal);
            foreach (var g in x.Signatures ?? [])
            {
                if (g.Id < 1 || !signatureIds.Add(g.Id)) throw Broken(fileName, $"signature {g.Id} of '{x.Post.Slug}' has no id of its own");
                var email = g.Email is null ? null : EmailAddresses.Clean(g.Email) ?? throw Broken(fileName, $"signature {g.Id} has an address that is not one");
                var canonicalEmail = email is null ? null : EmailAddresses.Canonical(email);
                if (canonicalEmail is not null && !canonical.Add(canonicalEmail)) throw Broken(fileName, $"statement '{x.Post.Slug}' has two signatures from one address (signature {g.Id})");
                if (g.ConsentWording is { } hash && !wordings.Contains(hash)) throw Broken(fileName, $"signature {g.Id} agreed to consent wording {hash}, which the file does not hold");
                db.Signatures.Add(new Signature
                {
                    Id = g.Id, Statement = statement, Name = g.Name, Organisation = g.Organisation, Role = g.Role, Town = g.Town, Country = g.Country,
                    Email = email, CanonicalEmail = canonicalEmail, AddressHash = email is null ? null : EmailAddresses.Hash(email),
                    ShowPublicly = g.ShowPublicly, NewsletterOptIn = g.NewsletterOptIn, Status = g.Status, Moderation = g.Moderation, Source = g.Source,
                    SourceDetail = g.SourceDetail, ConsentWordingHash = g.ConsentWording, IpAddress = g.IpAddress, LinkSecret = g.LinkSecret,
                    CreatedAt = g.CreatedAt, VerifiedAt = g.VerifiedAt, VerificationSentAt = g.VerificationSentAt, ModeratedAt = g.ModeratedAt,
                });
                signatureCount++;
            }
            ruled.Add((statement, x.Rules ?? []));
        }
        foreach (var e in backup.DataExports ?? [])
            db.DataExportRecords.Add(new DataExportRecord { What = e.What, Scope = e.Scope, By = e.By, Rows = e.Rows, At = e.At });
        // Rules name their statement by id only (no navigation), which the statements have once saved.
        await db.SaveChangesAsync(cancellationToken);
        foreach (var (statement, list) in ruled)
            foreach (var r in list) AddRule(r, statement.Id);
        foreach (var r in backup.SigningRules ?? []) AddRule(r, null);
        await db.SaveChangesAsync(cancellationToken);
        await db.Dialect.AfterExplicitIdsAsync(db, db.Model.FindEntityType(typeof(Signature))!.GetTableName()!, cancellationToken);
        summary.Statements = statements.Count;
        summary.Signatures = signatureCount;

        void AddRule(BackupSigningRule r, int? statementId) =>
            db.SigningRules.Add(new SigningRule { StatementId = statementId, Kind = r.Kind, Allow = r.Allow, Value = r.Value, Note = r.Note, CreatedAt = r.CreatedAt });
    }

    private async Task EnsureEmptyAsync(string fileName, CancellationToken cancellationToken)
    {
        var held = new List<string>();
        if (await db.Posts.CountAsync(cancellationToken) is > 0 and var posts) held.Add($"{posts} posts or pages");
        if (await db.Authors.AnyAsync(cancellationToken)) held.Add("authors");
        if (await db.Tags.AnyAsync(cancellationToken)) held.Add("tags");
        if (await db.Redirects.AnyAsync(cancellationToken)) held.Add("redirects");
        if (await db.Media.AnyAsync(cancellationToken)) held.Add("media");
        if (await db.Users.AnyAsync(cancellationToken)) held.Add("users");
        if (await db.Newsletters.AnyAsync(cancellationToken)) held.Add("newsletters");
        if (await db.Subscribers.AnyAsync(cancellationToken)) held.Add("subscribers");
        if (await db.Statements.AnyAsync(cancellationToken)) held.Add("statements");
        if (held.Count > 0)
            throw new ImportFailedException(fileName, null, $"a backup restores only into an empty site, and this one already has {string.Join(", ", held)}. Start from a new data folder or database.");
    }

    private static ImportFailedException Broken(string fileName, string problem) => new(fileName, null, $"the backup is inconsistent: {problem}");
}
