using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Broadsheet.Data;

/// <summary>The SQLite flavour of <see cref="BroadsheetDb"/>; owns Data/Migrations/Sqlite and Data/CompiledModels/Sqlite.</summary>
public sealed class SqliteBroadsheetDb(DbContextOptions<SqliteBroadsheetDb> options) : BroadsheetDb(options)
{
    public override IDatabaseDialect Dialect => SqliteDialect.Instance;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite stores DateTime as ISO text (which sorts correctly) but forgets its Kind;
        // everything Broadsheet stores is UTC, so say so on the way back.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }
}

internal sealed class UtcDateTimeConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

// Design-time factory: used only by `dotnet ef migrations add` and `dotnet ef dbcontext optimize`
// (scripts/add-migration); it builds the model from the code, never from the compiled model it is about to regenerate.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteBroadsheetDb>
{
    public SqliteBroadsheetDb CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<SqliteBroadsheetDb>();
        SqliteDialect.Instance.Configure(options, "Data Source=design-time.db", compiledModel: false);
        return new SqliteBroadsheetDb(options.Options);
    }
}
