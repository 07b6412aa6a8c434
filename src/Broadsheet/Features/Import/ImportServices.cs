using Broadsheet.Data.WorkQueue;
using Broadsheet.Features.Export;

namespace Broadsheet.Features.Import;

public static class ImportServices
{
    /// <summary>The importers and the JSON backup, for the CLI verbs and the admin pages.</summary>
    public static IServiceCollection AddImport(this IServiceCollection services)
    {
        services.AddScoped<Importer>();
        services.AddScoped<JsonBackup>();
        // Uploads and `import --run` are work items, run by whichever node's runner claims them.
        services.AddSingleton<ImportJobs>();
        services.AddWork<ImportWork>(ImportJobs.WorkKind);
        return services;
    }
}
