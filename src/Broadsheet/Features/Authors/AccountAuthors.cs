using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Shared;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Authors;

/// <summary>
/// The byline of an account that writes. It reads accounts through <see cref="BroadsheetDb"/> rather than the
/// Identity user manager, so that the post writer (which <c>serve</c> builds at start for the demo content)
/// does not load the Identity machinery before anyone signs in.
/// </summary>
public static class AccountAuthors
{
    /// <summary>
    /// The byline entry of an account (its first, should an Administrator have linked it to several), made on first use.
    /// A new one is always the account's own, under a free slug: a byline without an account (imported, or a guest's)
    /// is never taken over because the names match, since its posts would become this account's to edit and
    /// unpublish. Only an Administrator links an account to such a byline (<see cref="Accounts.AccountService.LinkBylineAsync"/>).
    /// </summary>
    public static async Task<Author> ForAsync(BroadsheetDb db, string userId, CancellationToken cancellationToken = default)
    {
        var author = await db.Authors.Where(a => a.UserId == userId).OrderBy(a => a.Id).FirstOrDefaultAsync(cancellationToken);
        if (author is not null) return author;
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken) ?? throw new InvalidOperationException("No such user");
        var slug = Slugs.From(user.DisplayName);
        var unique = slug;
        for (var n = 2; await db.Authors.AnyAsync(a => a.Slug == unique, cancellationToken); n++) unique = $"{slug}-{n}";
        author = db.Authors.Add(new Author { DisplayName = XmlSafeText.Clean(user.DisplayName), Slug = unique, UserId = userId, Email = user.Email }).Entity;
        await db.SaveChangesAsync(cancellationToken);
        return author;
    }
}
