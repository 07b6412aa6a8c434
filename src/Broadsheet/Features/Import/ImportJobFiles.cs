using System.Data;
using System.Data.Common;
using Broadsheet.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Broadsheet.Features.Import;

/// <summary>
/// Moves an uploaded export file into and out of its job row (<see cref="ImportJob.File"/>) as a stream,
/// a block at a time, never as one array: through EF a 95 MB upload was held several times over (the copy
/// from the upload, the array, the provider's parameter, the array read back) and the large-object heap
/// kept the process at about ten times the file's size. The row stays the one place the file lives, so
/// any web node's worker can still run the job.
/// Writing is the one provider-specific step (names come from the EF model): SQLite fills a
/// <c>zeroblob</c> through its incremental blob I/O (<see cref="SqliteBlob"/>); Npgsql sends a
/// <see cref="Stream"/> parameter as bytea. Reading is plain ADO.NET with
/// <see cref="CommandBehavior.SequentialAccess"/>, which both providers stream.
/// </summary>
internal static class ImportJobFiles
{
    /// <summary>
    /// Writes the rest of <paramref name="file"/> into the job's row, in the context's current transaction. The
    /// stream must be seekable (an uploaded form file is): its length is the blob's size, and Npgsql streams a
    /// value only when it knows its length (one of unknown length it would buffer whole first).
    /// </summary>
    public static async Task WriteAsync(BroadsheetDb db, int jobId, Stream file, CancellationToken cancellationToken)
    {
        var length = file.Length - file.Position;
        var (table, id, column) = Names(db);
        await using var command = Command(db, $"UPDATE \"{table}\" SET \"{column}\" = {(db.Provider == DatabaseProvider.Sqlite ? "zeroblob(@length)" : "@file")} WHERE \"{id}\" = @id", jobId);
        if (db.Provider == DatabaseProvider.Sqlite)
        {
            AddParameter(command, "@length", length);
            await command.ExecuteNonQueryAsync(cancellationToken);
            // The job's id is its rowid (an INTEGER PRIMARY KEY), which is what SQLite's blob handle opens by.
            await using var blob = new SqliteBlob((SqliteConnection)db.Database.GetDbConnection(), table, column, jobId);
            await file.CopyToAsync(blob, cancellationToken);
            return;
        }
        AddParameter(command, "@file", file);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Copies the job's file to <paramref name="destination"/> (nothing when the row holds none).</summary>
    public static async Task CopyToAsync(BroadsheetDb db, int jobId, Stream destination, CancellationToken cancellationToken)
    {
        var (table, id, column) = Names(db);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            // The id is selected too: SQLite streams a column through a blob handle only when the rowid is in the row.
            await using var command = Command(db, $"SELECT \"{id}\", \"{column}\" FROM \"{table}\" WHERE \"{id}\" = @id", jobId);
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
            if (!await reader.ReadAsync(cancellationToken) || await reader.IsDBNullAsync(1, cancellationToken)) return;
            await using var file = reader.GetStream(1);
            await file.CopyToAsync(destination, cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static (string Table, string Id, string File) Names(BroadsheetDb db)
    {
        var entity = db.Model.FindEntityType(typeof(ImportJob))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        return (table.Name, entity.FindProperty(nameof(ImportJob.Id))!.GetColumnName(table)!, entity.FindProperty(nameof(ImportJob.File))!.GetColumnName(table)!);
    }

    private static DbCommand Command(BroadsheetDb db, string sql, int jobId)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = sql;
        AddParameter(command, "@id", jobId);
        return command;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
