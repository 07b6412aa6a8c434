using System.Net;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Admin;

/// <summary>
/// Every admin page but the sign-in ones sends a signed-out visitor to the login form. (The folder
/// convention once got lost when AddRazorPages replaced the conventions collection, and the
/// dashboard and editor were open to anyone.)
/// </summary>
public sealed class AdminRequiresSignInTests
{
    [Theory]
    [InlineData("/admin")]
    [InlineData("/admin/posts")]
    [InlineData("/admin/posts/edit")]
    [InlineData("/admin/posts/revisions/1")]
    [InlineData("/admin/posts/preview/1")]
    public async Task A_signed_out_visitor_is_sent_to_the_login_form(string path)
    {
        await using var app = new BroadsheetFactory();
        await app.AddUserAsync(Roles.Owner, "owner@example.org");

        var response = await app.Browser().GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/admin/login?ReturnUrl=", response.Headers.Location?.PathAndQuery ?? response.Headers.Location?.OriginalString);
    }
}
