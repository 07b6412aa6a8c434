using System.Globalization;
using System.Text;
using Broadsheet.Data;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Broadsheet.Tests.Database;

/// <summary>
/// The app runs on the compiled models in src/Broadsheet/Data/CompiledModels, not on the model EF would build
/// from OnModelCreating. A model change without regenerating them would leave the app reading and writing
/// the old shape (a missing column, a lost converter) while the migrations, built from the code, say
/// otherwise. These tests build both and compare them; neither needs a database server.
/// </summary>
public sealed class CompiledModelTests
{
    private const string Regenerate =
        "The compiled model is out of date: regenerate it (README, \"Changing the model\").";

    public static TheoryData<TestProvider> Providers => new() { TestProvider.Sqlite, TestProvider.Postgres };

    [Theory]
    [MemberData(nameof(Providers))]
    public void The_compiled_model_maps_every_property_as_the_code_does(TestProvider provider)
    {
        // EF's migrations differ cannot read a compiled (read-optimised) model, so the comparison is of what
        // the running app uses: tables, columns and their types, keys, indexes, foreign keys, converters
        // (SQLite's UTC DateTime converter), value generation, query filters and navigations.
        using var fromCode = Context(provider, compiledModel: false);
        using var compiled = Context(provider, compiledModel: true);

        // The app's configuration really does use the generated model, and the other context really does not.
        Assert.StartsWith("Broadsheet.Data.CompiledModels." + provider + ".", compiled.Model.GetType().FullName, StringComparison.Ordinal);
        Assert.DoesNotContain("CompiledModels", fromCode.Model.GetType().FullName, StringComparison.Ordinal);
        var code = Describe(fromCode.Model).Split('\n');
        var generated = Describe(compiled.Model).Split('\n');
        var firstDifference = Enumerable.Range(0, Math.Max(code.Length, generated.Length))
            .FirstOrDefault(i => code.ElementAtOrDefault(i) != generated.ElementAtOrDefault(i), -1);
        Assert.True(firstDifference < 0,
            $"{Regenerate}\n  code:     {code.ElementAtOrDefault(firstDifference)}\n  compiled: {generated.ElementAtOrDefault(firstDifference)}");
    }

    [Fact]
    public void A_wrong_model_is_told_apart()
    {
        // The comparison itself must be able to fail: the SQLite model against the PostgreSQL one differs in
        // column types and converters.
        using var sqlite = Context(TestProvider.Sqlite, compiledModel: true);
        using var postgres = Context(TestProvider.Postgres, compiledModel: true);
        Assert.NotEqual(Describe(sqlite.Model), Describe(postgres.Model));
    }

    private static BroadsheetDb Context(TestProvider provider, bool compiledModel)
    {
        if (provider == TestProvider.Postgres)
        {
            var options = new DbContextOptionsBuilder<PostgresBroadsheetDb>();
            PostgresDialect.Instance.Configure(options, "Host=localhost;Database=not_opened", compiledModel);
            return new PostgresBroadsheetDb(options.Options);
        }
        var sqliteOptions = new DbContextOptionsBuilder<SqliteBroadsheetDb>();
        SqliteDialect.Instance.Configure(sqliteOptions, "Data Source=:memory:", compiledModel);
        return new SqliteBroadsheetDb(sqliteOptions.Options);
    }

    private static string Describe(IModel model)
    {
        var text = new StringBuilder();
        foreach (var entity in model.GetEntityTypes().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{entity.Name} -> {entity.GetTableName()} filter={entity.GetDeclaredQueryFilters().Count}\n");
            foreach (var property in entity.GetProperties().OrderBy(p => p.Name, StringComparer.Ordinal))
                text.Append(CultureInfo.InvariantCulture,
                    $"  {property.Name}: {property.ClrType.Name} column={property.GetColumnName()} type={property.GetColumnType()} " +
                    $"null={property.IsNullable} max={property.GetMaxLength()} generated={property.ValueGenerated} " +
                    $"converter={property.GetTypeMapping().Converter?.GetType().Name} concurrency={property.IsConcurrencyToken}\n");
            foreach (var key in entity.GetKeys().OrderBy(k => k.ToString(), StringComparer.Ordinal))
                text.Append(CultureInfo.InvariantCulture, $"  key {string.Join(",", key.Properties.Select(p => p.Name))} primary={key.IsPrimaryKey()}\n");
            foreach (var index in entity.GetIndexes().OrderBy(i => i.GetDatabaseName(), StringComparer.Ordinal))
                text.Append(CultureInfo.InvariantCulture, $"  index {index.GetDatabaseName()} ({string.Join(",", index.Properties.Select(p => p.Name))}) unique={index.IsUnique} filter={index.GetFilter()}\n");
            foreach (var foreignKey in entity.GetForeignKeys().OrderBy(k => k.ToString(), StringComparer.Ordinal))
                text.Append(CultureInfo.InvariantCulture, $"  fk ({string.Join(",", foreignKey.Properties.Select(p => p.Name))}) -> {foreignKey.PrincipalEntityType.Name} delete={foreignKey.DeleteBehavior}\n");
            foreach (var navigation in entity.GetNavigations().Cast<INavigationBase>().Concat(entity.GetSkipNavigations()).OrderBy(n => n.Name, StringComparer.Ordinal))
                text.Append(CultureInfo.InvariantCulture, $"  navigation {navigation.Name} -> {navigation.TargetEntityType.Name} collection={navigation.IsCollection}\n");
        }
        return text.ToString();
    }
}
