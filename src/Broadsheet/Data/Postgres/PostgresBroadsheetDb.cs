using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Broadsheet.Data;

/// <summary>The PostgreSQL flavour of <see cref="BroadsheetDb"/>; owns Data/Migrations/Postgres and Data/CompiledModels/Postgres.</summary>
public sealed class PostgresBroadsheetDb(DbContextOptions<PostgresBroadsheetDb> options) : BroadsheetDb(options)
{
    public override IDatabaseDialect Dialect => PostgresDialect.Instance;
}

// Design-time factory: used only by `dotnet ef migrations add` and `dotnet ef dbcontext optimize`
// (scripts/add-migration); it builds the model from the code, never from the compiled model it is about to regenerate.
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresBroadsheetDb>
{
    public PostgresBroadsheetDb CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PostgresBroadsheetDb>();
        PostgresDialect.Instance.Configure(options, "Host=localhost;Database=design_time", compiledModel: false);
        return new PostgresBroadsheetDb(options.Options);
    }
}
