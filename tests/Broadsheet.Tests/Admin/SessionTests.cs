using System.Net;
using System.Security.Cryptography;
using Broadsheet.Features.Accounts;
using Broadsheet.Tests.Infrastructure;

namespace Broadsheet.Tests.Admin;

/// <summary>Two-factor sign-in and signing out of every session.</summary>
public sealed class SessionTests
{
    [Fact]
    public async Task Two_factor_sign_in_asks_for_the_authenticator_code()
    {
        await using var app = new BroadsheetFactory();
        var client = await app.SignedInAsync(Roles.Editor, "careful@example.org");

        var (_, setup) = await client.GetPageAsync("/admin/account/two-factor");
        var key = setup.QuerySelector("#shared-key").Text().Replace(" ", "", StringComparison.Ordinal);
        Assert.StartsWith("otpauth://totp/", setup.QuerySelector("#otpauth")!.GetAttribute("href"));
        var wrong = await client.SubmitAsync("/admin/account/two-factor", new() { ["Code"] = "000000" });
        Assert.Contains("not right", await wrong.Content.ReadAsStringAsync());
        var enabled = await client.SubmitAsync("/admin/account/two-factor", new() { ["Code"] = Totp(key) });
        var (_, codes) = (enabled, new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await enabled.Content.ReadAsStringAsync()));
        var recovery = codes.QuerySelectorAll(".recovery-codes code").Select(c => c.Text()).ToList();
        Assert.Equal(10, recovery.Count);

        // Password alone now leads to the second step, not into the admin.
        var stranger = app.Browser();
        var first = await stranger.SubmitAsync("/admin/login", new() { ["Input.Email"] = "careful@example.org", ["Input.Password"] = AdminClient.Password });
        Assert.StartsWith("/admin/login/two-factor", first.Headers.Location!.OriginalString);
        Assert.NotEqual(HttpStatusCode.OK, (await stranger.GetAsync("/admin")).StatusCode);
        var second = await stranger.SubmitAsync(first.Headers.Location!.OriginalString, new() { ["Code"] = Totp(key) });
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await stranger.GetAsync("/admin")).StatusCode);

        // A recovery code works once.
        var other = app.Browser();
        var step = await other.SubmitAsync("/admin/login", new() { ["Input.Email"] = "careful@example.org", ["Input.Password"] = AdminClient.Password });
        var viaRecovery = await other.SubmitAsync(step.Headers.Location!.OriginalString, new() { ["Code"] = recovery[0] });
        Assert.Equal(HttpStatusCode.Redirect, viaRecovery.StatusCode);
    }

    [Fact]
    public async Task Signing_out_everywhere_ends_the_other_sessions_too()
    {
        await using var app = new BroadsheetFactory();
        await app.AddUserAsync(Roles.Author, "traveller@example.org");
        var laptop = await app.SignInAsync("traveller@example.org");
        var phone = await app.SignInAsync("traveller@example.org");
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync("/admin")).StatusCode);

        var response = await laptop.SubmitAsync("/admin/account", new(), "form[action*=SignOutEverywhere]");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);

        app.Clock.Advance(TimeSpan.FromMinutes(2)); // past the session check interval
        var later = await phone.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, later.StatusCode);
        Assert.Contains("/admin/login", later.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await laptop.GetAsync("/admin")).StatusCode);
    }

    /// <summary>RFC 6238 (SHA-1, 30 s, 6 digits) as authenticator apps compute it.</summary>
    private static string Totp(string base32Key)
    {
        var key = Base32(base32Key.ToUpperInvariant());
        var counter = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;
        var bytes = BitConverter.GetBytes(counter);
        if (BitConverter.IsLittleEndian) Array.Reverse(bytes);
#pragma warning disable CA5350 // RFC 6238 authenticators use SHA-1; this mirrors them
        var hash = HMACSHA1.HashData(key, bytes);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var code = ((hash[offset] & 0x7f) << 24 | hash[offset + 1] << 16 | hash[offset + 2] << 8 | hash[offset + 3]) % 1_000_000;
        return code.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] Base32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var output = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text.TrimEnd('='))
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                output.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return [.. output];
    }
}
