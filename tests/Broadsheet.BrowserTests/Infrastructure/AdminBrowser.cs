using Broadsheet.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Broadsheet.BrowserTests.Infrastructure;

/// <summary>Signing in to the admin the way a person does: through the form.</summary>
public static class AdminBrowser
{
    public static async Task SignInAsync(this BrowserSession session, string email, string password = AdminClient.Password)
    {
        var page = session.Page;
        await session.GoToAsync("/admin/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Dashboard");
    }

    /// <summary>The admin's own navigation (menu links a role is offered).</summary>
    public static ILocator AdminNavigation(this IPage page) => page.GetByRole(AriaRole.Navigation, new() { Name = "Admin" });
}
