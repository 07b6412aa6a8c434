using Broadsheet.Features.Export;

namespace Broadsheet.Features.Import;

public static class ImportServices
{
    /// <summary>The importers and the JSON backup, for the CLI verbs and the admin pages.</summary>
    public static IServiceCollection AddImport(this IServiceCollection services)
    {
        services.AddScoped<Importer>();
        services.AddScoped<JsonBackup>();
        // Admin uploads run in the background on whichever node claims them.
        services.AddSingleton<ImportJobs>();
        services.AddHostedService(sp => sp.GetRequiredService<ImportJobs>());
        return services;
    }
}
