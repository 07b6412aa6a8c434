using Broadsheet.Data;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Import;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Import;

/// <summary>The JSON backup: complete, versioned, and a restore that gives back the same file.</summary>
public abstract class JsonBackupTests(TestProvider provider)
{
    private BroadsheetFactory App() => new(provider);

    private const string Passphrase = "A-long-enough-passphrase-1";

    private static async Task AddUserAsync(BroadsheetFactory app)
    {
        // Written as Identity's UserManager writes it (the accounts feature registers that; it is not needed here).
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var user = new User
        {
            UserName = "editor@example.org", NormalizedUserName = "EDITOR@EXAMPLE.ORG", Email = "editor@example.org", NormalizedEmail = "EDITOR@EXAMPLE.ORG",
            DisplayName = "Eda Editor", CreatedAt = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), SecurityStamp = "stamp",
        };
        user.PasswordHash = new PasswordHasher<User>().HashPassword(user, Passphrase);
        db.Users.Add(user);
        db.Roles.Add(new IdentityRole(Roles.Editor) { NormalizedName = "EDITOR" });
        await db.SaveChangesAsync();
        db.UserRoles.Add(new IdentityUserRole<string> { UserId = user.Id, RoleId = db.Roles.Single().Id });
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Backup_restore_backup_gives_the_same_file()
    {
        await using var source = App();
        await source.ImportAsync(ImportFormat.Blogger, Samples.BloggerClassic);
        await source.ImportAsync(ImportFormat.WordPress, Samples.WordPress);
        await source.AddPostAsync("Written in Markdown", body: "Some *emphasis*.\n\n<!--more-->\n\nMore.", tags: ["local"], authors: ["Sam Okafor", "Mara Lind"]);
        await source.UpdateSettingsAsync(s => s.Navigation = "About|/about-union");
        var backup = await source.BackupAsync();

        await using var target = App();
        var summary = await target.RestoreAsync(backup);

        Assert.Equal(await target.BackupAsync(), backup);
        Assert.Equal(3, summary.Comments);
        var page = await target.CreateClient().GetDocumentAsync("/2015/10/rent-strike-begins");
        Assert.Contains("Solidarity from Canal Street!", page.QuerySelector(".comments").Text());
        await target.Visitor().AssertRedirectsAsync("/2015/10/rent-strike-begins.html", "/2015/10/rent-strike-begins");
        await target.Visitor().AssertRedirectsAsync("/?p=11", "/2014/03/march-for-peace");
    }

    [Fact]
    public async Task Users_come_without_password_hashes_unless_asked()
    {
        await using var app = App();
        await AddUserAsync(app);

        var plain = await app.BackupAsync();
        var withHashes = await app.BackupAsync(includePasswordHashes: true);

        Assert.Contains("editor@example.org", plain);
        Assert.DoesNotContain("passwordHash", plain);
        Assert.Contains("passwordHash", withHashes);

        await using var restored = App();
        await restored.RestoreAsync(withHashes);
        await using var scope = restored.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var user = db.Users.Single(u => u.NormalizedEmail == "EDITOR@EXAMPLE.ORG");
        Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<User>().VerifyHashedPassword(user, user.PasswordHash!, Passphrase));
        Assert.Contains("\"Editor\"", plain);
        Assert.Equal(withHashes, await restored.BackupAsync(includePasswordHashes: true));
    }

    [Fact]
    public async Task A_restore_only_goes_into_an_empty_site()
    {
        await using var source = App();
        await source.AddPostAsync("From the old site");
        var backup = await source.BackupAsync();

        await using var target = App();
        await target.AddPostAsync("Already here");
        var before = await target.BackupAsync();

        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => target.RestoreAsync(backup));
        Assert.Contains("empty", failure.Message);
        Assert.Equal(before, await target.BackupAsync());
    }

    [Theory]
    [InlineData("{\"format\": \"broadsheet-backup\", \"version\": 99}", "version 99")]
    [InlineData("{\"format\": \"something-else\", \"version\": 1}", "not a Broadsheet backup")]
    [InlineData("{\"format\": \"broadsheet-backup\", \"version\": 1, \"petitions\": []}", "petitions")]
    [InlineData("{\"format\": \"broadsheet-backup\",\n \"version\": 1,\n \"posts\": [ {\"kind\": \"post\", ", "line 3")]
    [InlineData("<rss></rss>", "not a valid Broadsheet JSON backup")]
    public async Task Unreadable_backups_are_refused_with_a_reason(string json, string expected)
    {
        await using var app = App();
        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => app.RestoreAsync(json, "site.json"));
        Assert.StartsWith("site.json", failure.Message);
        Assert.Contains(expected, failure.Message);
        await using var scope = app.Scope();
        Assert.False(scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Posts.Any());
    }

    [Fact]
    public async Task An_inconsistent_backup_restores_nothing()
    {
        await using var source = App();
        await source.AddPostAsync("One", tags: ["a"]);
        await source.AddPostAsync("Two");
        var backup = (await source.BackupAsync()).Replace("\"a\"\n      ]", "\"missing-tag\"\n      ]");
        Assert.Contains("missing-tag", backup);

        await using var target = App();
        var failure = await Assert.ThrowsAsync<ImportFailedException>(() => target.RestoreAsync(backup));

        Assert.Contains("missing-tag", failure.Message);
        await using var scope = target.Scope();
        Assert.False(scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Posts.Any());
    }
}

public sealed class SqliteJsonBackupTests() : JsonBackupTests(TestProvider.Sqlite);

public sealed class PostgresJsonBackupTests() : JsonBackupTests(TestProvider.Postgres);
