using System.ComponentModel.DataAnnotations;
using Broadsheet.Features.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Broadsheet.Features.Admin;

/// <summary>
/// First run: makes the Owner account. It exists only while the site has no account at all;
/// afterwards it is a 404, so nobody can use it to make a second Owner.
/// </summary>
public sealed class SetupModel(AccountService accounts, SignInManager<User> signIn) : AdminPageModel
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    [BindProperty] public InputModel Input { get; set; } = new();

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync() => await accounts.AnyUserAsync(HttpContext.RequestAborted) ? NotFound() : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        await OneAtATime.WaitAsync(HttpContext.RequestAborted);
        try
        {
            if (await accounts.AnyUserAsync(HttpContext.RequestAborted)) return NotFound();
            if (!ModelState.IsValid) return Page();
            if (Input.Password != Input.ConfirmPassword)
            {
                Errors = ["The two passwords differ."];
                return Page();
            }
            var (user, errors) = await accounts.CreateAsync(Input.Email, Input.DisplayName, Roles.Owner, Input.Password);
            if (user is null)
            {
                Errors = errors;
                return Page();
            }
            await signIn.SignInAsync(user, isPersistent: false);
            Notice = "Welcome. Your site is ready; you are its Owner.";
            return Redirect("/admin");
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    public sealed class InputModel
    {
        [Required, EmailAddress] public string Email { get; set; } = "";
        [Required, StringLength(300), Display(Name = "Your name (as it appears in bylines)")] public string DisplayName { get; set; } = "";
        [Required, StringLength(200, MinimumLength = 10), DataType(DataType.Password), Display(Name = "Password (at least 10 characters)")] public string Password { get; set; } = "";
        [Required, DataType(DataType.Password), Display(Name = "The same password again")] public string ConfirmPassword { get; set; } = "";
    }
}
