using Broadsheet.Features.Accounts;
using Broadsheet.Data;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Database;

/// <summary>Each provider's migration set must describe the current model exactly, or the next start would fail or drift.</summary>
public abstract class MigrationsTests(TestProvider provider)
{
    [Fact]
    public async Task Migrations_match_the_model_and_leave_nothing_pending()
    {
        await using var app = new BroadsheetFactory(provider);
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();

        Assert.False(db.Database.HasPendingModelChanges(), "The model has changes that no migration describes: add a migration for this provider.");
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(1, await db.SiteSettings.CountAsync());
    }

    [Fact]
    public async Task A_start_applies_what_is_pending_and_leaves_an_up_to_date_database_as_it_is()
    {
        await using var first = new BroadsheetFactory(provider);
        string last;
        await using (var scope = first.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            var applied = (await db.Database.GetAppliedMigrationsAsync()).ToList();
            last = applied[^1];
            // Take the newest migration back out, as if this database came from the previous release.
            await db.GetService<IMigrator>().MigrateAsync(applied[^2]);
            Assert.Equal([last], await db.Database.GetPendingMigrationsAsync());
        }

        await using var upgraded = first.AnotherNode();
        await using (var scope = upgraded.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.Equal(last, (await db.Database.GetAppliedMigrationsAsync()).Last());
        }
        Assert.Equal(System.Net.HttpStatusCode.OK, (await upgraded.CreateClient().GetAsync("/")).StatusCode);

        // Nothing pending: the next start leaves the database alone and serves from it.
        await using var restarted = first.AnotherNode();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await restarted.CreateClient().GetAsync("/")).StatusCode);
        await using (var scope = restarted.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.Equal(1, await db.SiteSettings.CountAsync());
        }
    }

    [Fact]
    public async Task Api_keys_made_before_keys_had_roles_keep_the_administrator_rights_they_had()
    {
        await using var app = new BroadsheetFactory(provider);
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
            var migrations = (await db.Database.GetAppliedMigrationsAsync()).ToList();
            var roles = migrations.FindIndex(m => m.EndsWith("_ApiKeyRoles", StringComparison.Ordinal));
            await db.GetService<IMigrator>().MigrateAsync(migrations[roles - 1]);
            var created = DateTime.UtcNow;
            await db.Database.ExecuteSqlAsync($"""INSERT INTO "ApiKeys" ("Name", "Prefix", "SecretHash", "CreatedAt") VALUES ('Old sync', 'abcdef0123', 'not a real hash', {created})""");
            await db.GetService<IMigrator>().MigrateAsync();
            Assert.Equal(Roles.Administrator, await db.ApiKeys.Where(k => k.Name == "Old sync").Select(k => k.Role).SingleAsync());
        }
    }
}

public sealed class SqliteMigrationsTests() : MigrationsTests(TestProvider.Sqlite);

public sealed class PostgresMigrationsTests() : MigrationsTests(TestProvider.Postgres);
