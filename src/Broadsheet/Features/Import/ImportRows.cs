using System.Data.Common;
using System.Globalization;
using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Broadsheet.Features.Import;

/// <summary>
/// One reused INSERT for the rows an import writes by the thousand (posts, bylines, post tags,
/// redirects). EF Core's change tracking costs about a millisecond a post on this machine, more than
/// reading, tidying and sanitising it together; a reused parameterised statement costs a few
/// microseconds. Table and column names and value conversions come from the EF model, and the SQL is
/// plain INSERT (… RETURNING the generated key) that SQLite and PostgreSQL both speak. It runs on the
/// context's connection inside its current transaction, so the import stays one transaction.
/// </summary>
internal sealed class ImportRows : IAsyncDisposable
{
    private readonly DbCommand command;
    private readonly IProperty[] properties;
    private readonly bool returnsKey;

    private ImportRows(DbCommand command, IProperty[] properties, bool returnsKey)
    {
        this.command = command;
        this.properties = properties;
        this.returnsKey = returnsKey;
    }

    /// <summary>Inserts every stored property of <typeparamref name="T"/> but a generated key, which is returned.</summary>
    public static ImportRows For<T>(BroadsheetDb db) => For(db, db.Model.FindEntityType(typeof(T))!);

    public static ImportRows For(BroadsheetDb db, IEntityType entity)
    {
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var key = entity.FindPrimaryKey()!.Properties is [{ ValueGenerated: ValueGenerated.OnAdd } generated] ? generated : null;
        IProperty[] properties = [.. entity.GetProperties().Where(p => p != key && p.GetColumnName(table) is not null)];
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Import rows are written inside the import's transaction.");
        var columns = string.Join(", ", properties.Select(p => $"\"{p.GetColumnName(table)}\""));
        var values = string.Join(", ", properties.Select((_, i) => $"@p{i}"));
        command.CommandText = $"INSERT INTO \"{table.Name}\" ({columns}) VALUES ({values})"
            + (key is null ? "" : $" RETURNING \"{key.GetColumnName(table)}\"");
        for (var i = 0; i < properties.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = $"p{i}";
            command.Parameters.Add(parameter);
        }
        return new ImportRows(command, properties, key is not null);
    }

    /// <summary>Inserts the entity's row (navigations are ignored); returns the generated key, or 0.</summary>
    public Task<int> InsertAsync(object entity, CancellationToken cancellationToken) =>
        InsertAsync(p => p.GetGetter().GetClrValueUsingContainingEntity(entity), cancellationToken);

    /// <summary>Inserts a row whose values are given by property (for join tables, which have no CLR class).</summary>
    public async Task<int> InsertAsync(Func<IProperty, object?> valueOf, CancellationToken cancellationToken)
    {
        for (var i = 0; i < properties.Length; i++)
        {
            var property = properties[i];
            var value = valueOf(property);
            if (value is not null && property.GetTypeMapping().Converter is { } converter) value = converter.ConvertToProvider(value);
            if (value is Enum) value = Convert.ToInt32(value, CultureInfo.InvariantCulture);
            command.Parameters[i].Value = value ?? DBNull.Value;
        }
        if (!returnsKey)
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
            return 0;
        }
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public ValueTask DisposeAsync() => command.DisposeAsync();
}
