using System.Data;
using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Broadsheet.Features.Import;

/// <summary>
/// Moves an uploaded export file into and out of its job row (<see cref="ImportJob.File"/>) as a stream,
/// a block at a time, never as one array: through EF a 95 MB upload was held several times over (the copy
/// from the upload, the array, the provider's parameter, the array read back) and the large-object heap
/// kept the process at about ten times the file's size. The row stays the one place the file lives, so
/// any web node's worker can still run the job.
/// Writing is the one provider-specific step (<see cref="IDatabaseDialect.WriteBlobAsync"/>; names come from the
/// EF model). Reading is plain ADO.NET with <see cref="CommandBehavior.SequentialAccess"/>, which both providers stream.
/// </summary>
internal static class ImportJobFiles
{
    /// <summary>
    /// Writes the rest of <paramref name="file"/> into the job's row, in the context's current transaction. The
    /// stream must be seekable (an uploaded form file is): its length is the value's size.
    /// </summary>
    public static Task WriteAsync(BroadsheetDb db, int jobId, Stream file, CancellationToken cancellationToken)
    {
        // The job's id is an INTEGER PRIMARY KEY on SQLite, so its rowid, which SQLite's blob I/O opens the row by.
        var (table, id, column) = Names(db);
        return db.Dialect.WriteBlobAsync(db, table, id, column, jobId, file, cancellationToken);
    }

    /// <summary>Copies the job's file to <paramref name="destination"/> (nothing when the row holds none).</summary>
    public static async Task CopyToAsync(BroadsheetDb db, int jobId, Stream destination, CancellationToken cancellationToken)
    {
        var (table, id, column) = Names(db);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            // The id is selected too: SQLite streams a column through a blob handle only when the rowid is in the row.
            await using var command = DbCommands.Create(db, $"SELECT \"{id}\", \"{column}\" FROM \"{table}\" WHERE \"{id}\" = @id").With("@id", jobId);
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
}
