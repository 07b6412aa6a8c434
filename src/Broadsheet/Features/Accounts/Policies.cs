namespace Broadsheet.Features.Accounts;

/// <summary>
/// The authorization policies of the admin and the Admin API, named by what they allow. Roles map
/// to them the usual way (<see cref="Roles"/>): a Contributor writes drafts only; an Author publishes
/// their own posts; an Editor publishes and edits anyone's; an Administrator also manages users,
/// settings and API keys; the one Owner can do everything, including transferring ownership.
/// An Admin API key acts with its own role, Editor or Administrator (`ApiKeyRoles`).
/// </summary>
public static class Policies
{
    /// <summary>Any signed-in admin user (all five roles): the dashboard, own drafts.</summary>
    public const string Staff = "Staff";

    /// <summary>Publish one's own posts (Author and up).</summary>
    public const string PublishOwn = "PublishOwn";

    /// <summary>Edit and publish anyone's posts and pages, manage tags and media (Editor and up).</summary>
    public const string EditAll = "EditAll";

    /// <summary>Manage users, invitations, site settings, API keys and imports (Administrator and Owner).</summary>
    public const string Administer = "Administer";

    /// <summary>Owner-only actions (transfer ownership, delete the site's data).</summary>
    public const string Own = "Own";

    public static readonly IReadOnlyDictionary<string, string[]> RolesFor = new Dictionary<string, string[]>
    {
        [Staff] = Roles.All,
        [PublishOwn] = [Roles.Owner, Roles.Administrator, Roles.Editor, Roles.Author],
        [EditAll] = [Roles.Owner, Roles.Administrator, Roles.Editor],
        [Administer] = [Roles.Owner, Roles.Administrator],
        [Own] = [Roles.Owner],
    };
}
