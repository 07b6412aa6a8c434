namespace Broadsheet.Features.Statements;

/// <summary>Statements that supporters sign, their signatures and the rules that guard signing.</summary>
public static class StatementsSetup
{
    public static IServiceCollection AddBroadsheetStatements(this IServiceCollection services)
    {
        services.AddScoped<StatementWriter>();
        return services;
    }
}
