namespace Broadsheet.Features.Admin;

/// <summary>Where a signed-in person is sent when their role does not allow a page (the page itself answers 403).</summary>
public sealed class DeniedModel : AdminPageModel;
