using System.Text.Json.Nodes;
using Broadsheet.Data;
using Broadsheet.Features.Import;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Statements;
using Broadsheet.Features.Subscribers;
using Broadsheet.Tests.Import;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Statements;

/// <summary>The JSON backup's statement sections: a round trip keeps statements, signatures, consent wordings, rules and the export record.</summary>
public abstract class StatementBackupTests(TestProvider provider)
{
    private const string Wording = "The Coalition keeps your name and email to show your support and to write to you about this statement.";

    /// <summary>A statement offering a newsletter, a verified signer and a name from the paper list, rules, and an export record.</summary>
    private static async Task<long> ArrangeAsync(BroadsheetFactory app)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var at = new DateTime(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);
        var weekly = new Newsletter { Slug = "weekly", Name = "Weekly News", FromName = "Coalition", FromAddress = "news@example.org", CreatedAt = at };
        db.Newsletters.Add(weekly);
        await db.SaveChangesAsync();
        var made = await scope.ServiceProvider.GetRequiredService<StatementWriter>().CreateAsync(
            new NewStatement("Stop the bombing", "We call on the governments responsible.", new StatementSettings
            {
                AdoptedBy = "the steering group", AdoptedOn = new DateOnly(2015, 10, 25), Goal = 1000, NewsletterId = weekly.Id,
                FieldsAsked = SignatureFields.Organisation | SignatureFields.Country, FieldsRequired = SignatureFields.Country,
            }) { Slug = "statement" }, PostActor.Site);
        var statement = made.Statement!;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Wording)));
        db.ConsentWordings.Add(new ConsentWording { Hash = hash, Text = Wording, FirstUsedAt = at });
        // A signature removed before the backup, so the ids kept have a gap a renumbering restore would close.
        var gone = Signer(statement.Id, "Placeholder", "placeholder@example.com", at);
        db.Signatures.Add(gone);
        await db.SaveChangesAsync();
        db.Signatures.Remove(gone);
        var verified = Signer(statement.Id, "Leila Haddad", "Leila.Haddad+statement@gmail.com", at);
        verified.Status = SignatureStatus.Verified;
        verified.VerifiedAt = at.AddHours(1);
        verified.ConsentWordingHash = hash;
        verified.Organisation = "Riverside Tenants";
        verified.Country = "UK";
        verified.NewsletterOptIn = true;
        verified.IpAddress = "192.0.2.7";
        var paper = Signer(statement.Id, "ليلى حداد", null, at);
        paper.Status = SignatureStatus.Imported;
        paper.Source = SignatureSource.Import;
        paper.SourceDetail = "supporters-2015.csv: from our paper list";
        db.Signatures.AddRange(verified, paper);
        db.SigningRules.AddRange(
            new SigningRule { StatementId = statement.Id, Kind = SigningRuleKind.AddressRange, Allow = false, Value = "203.0.113.0/24", Note = "a flood", CreatedAt = at },
            new SigningRule { StatementId = null, Kind = SigningRuleKind.EmailDomain, Allow = false, Value = "spam.example", CreatedAt = at });
        db.DataExportRecords.Add(new DataExportRecord { What = "signatures", Scope = $"statement {statement.Id}", By = "editor", Rows = 2, At = at.AddDays(1) });
        await db.SaveChangesAsync();
        return verified.Id;
    }

    private static Signature Signer(int statementId, string name, string? email, DateTime at) => new()
    {
        StatementId = statementId, Name = name, Email = email,
        CanonicalEmail = email is null ? null : EmailAddresses.Canonical(email), AddressHash = email is null ? null : EmailAddresses.Hash(email),
        ShowPublicly = true, LinkSecret = SubscriberLinks.NewLinkSecret(), CreatedAt = at,
    };

    [Fact]
    public async Task Statements_signatures_wordings_rules_and_exports_survive_a_round_trip_with_their_ids()
    {
        await using var source = new BroadsheetFactory(provider);
        var verifiedId = await ArrangeAsync(source);
        var backup = await source.BackupAsync();
        Assert.Contains("supporters-2015.csv", backup);
        Assert.Contains(Wording, backup);

        await using var target = new BroadsheetFactory(provider);
        var summary = await target.RestoreAsync(backup);

        Assert.Equal((1, 2), (summary.Statements, summary.Signatures));
        Assert.Equal(backup, await target.BackupAsync());
        await using var scope = target.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var statement = await db.Statements.Include(s => s.Post).Include(s => s.Newsletter).SingleAsync();
        Assert.Equal(("statement", "weekly", SignatureFields.Country), (statement.Post!.Slug, statement.Newsletter!.Slug, statement.FieldsRequired));
        var leila = await db.Signatures.SingleAsync(g => g.Id == verifiedId);
        Assert.Equal(("Leila Haddad", "leilahaddad@gmail.com", SignatureStatus.Verified), (leila.Name, leila.CanonicalEmail, leila.Status));
        Assert.Equal(2, await db.SigningRules.CountAsync());
        Assert.Equal(1, await db.SigningRules.CountAsync(r => r.StatementId == statement.Id));
        // New signatures after the restore get new ids (the sequence follows the restored ids on PostgreSQL).
        db.Signatures.Add(Signer(statement.Id, "New signer", "new@example.org", DateTime.UtcNow));
        await db.SaveChangesAsync();
        Assert.True(await db.Signatures.MaxAsync(g => g.Id) > verifiedId);
    }

    [Fact]
    public async Task A_signature_that_points_at_a_wording_the_file_lacks_is_refused_and_nothing_is_restored()
    {
        await using var source = new BroadsheetFactory(provider);
        await ArrangeAsync(source);
        var file = JsonNode.Parse(await source.BackupAsync())!.AsObject();
        file["consentWordings"] = new JsonArray();

        await using var target = new BroadsheetFactory(provider);
        var refused = await Assert.ThrowsAsync<ImportFailedException>(() => target.RestoreAsync(file.ToJsonString()));

        Assert.Contains("consent wording", refused.Message);
        await using var scope = target.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        Assert.Equal((0, 0), (await db.Statements.CountAsync(), await db.Posts.CountAsync()));
    }
}

public sealed class SqliteStatementBackupTests() : StatementBackupTests(TestProvider.Sqlite);

public sealed class PostgresStatementBackupTests() : StatementBackupTests(TestProvider.Postgres);
