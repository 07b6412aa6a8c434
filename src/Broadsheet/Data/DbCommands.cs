using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Broadsheet.Data;

/// <summary>
/// Plain ADO.NET commands on a context's own connection and current transaction, for the few steps EF cannot
/// stream (a file into or out of a row). The SQL is the caller's; names in it come from the EF model.
/// </summary>
internal static class DbCommands
{
    /// <summary>A command on <paramref name="db"/>'s connection, enlisted in its current transaction if it has one.</summary>
    public static DbCommand Create(BroadsheetDb db, string sql)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = sql;
        return command;
    }

    public static DbCommand With(this DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return command;
    }
}
