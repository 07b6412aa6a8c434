using Broadsheet.Data;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
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
}

public sealed class SqliteMigrationsTests() : MigrationsTests(TestProvider.Sqlite);

public sealed class PostgresMigrationsTests() : MigrationsTests(TestProvider.Postgres);
