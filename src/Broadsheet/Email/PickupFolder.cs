using Broadsheet.Data;

namespace Broadsheet.Email;

/// <summary>
/// Where mail goes when no SMTP server is configured: <c>Email:PickupFolder</c>, by default <c>mail-pickup</c> in the
/// data folder. The delivery engine writes the .eml files (<see cref="MailConnections"/>); the admin reads them (Admin/Newsletters/Pickup).
/// </summary>
public static class PickupFolder
{
    public const string ConfigurationKey = "Email:PickupFolder";

    public static string From(IConfiguration configuration) =>
        configuration[ConfigurationKey] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(DataDirectory.From(configuration), "mail-pickup");
}
