namespace Broadsheet.Data.WorkQueue;

public static class WorkQueueSetup
{
    /// <summary>The queue, its options (<c>WorkQueue</c> section), this node's runner and its ear for work queued on other nodes.</summary>
    public static IServiceCollection AddWorkQueue(this IServiceCollection services)
    {
        services.AddOptions<WorkQueueOptions>().BindConfiguration("WorkQueue");
        services.AddSingleton<WorkQueue>();
        services.AddSingleton<WorkQueueRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkQueueRunner>());
        services.AddHostedService<WorkQueueListener>();
        return services;
    }

    /// <summary>Registers <typeparamref name="THandler"/> (scoped, one per attempt) as the handler of work of <paramref name="kind"/>.</summary>
    public static IServiceCollection AddWork<THandler>(this IServiceCollection services, string kind) where THandler : class, IWorkHandler
    {
        services.AddKeyedScoped<IWorkHandler, THandler>(kind);
        services.AddSingleton(new WorkKind(kind));
        return services;
    }
}
