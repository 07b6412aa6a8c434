using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>
/// An authenticator app, written from RFC 6238 (SHA-1, 30-second steps, 6 digits) apart from the app's own code,
/// on the app's clock. The app accepts each code once, so a test that signs in twice moves on to the next code.
/// </summary>
public static class Authenticator
{
    /// <summary>The code the app shows at <paramref name="at"/>.</summary>
    public static string Code(string base32Key, DateTimeOffset at)
    {
        var key = Base32(base32Key.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant());
        var bytes = BitConverter.GetBytes(at.ToUnixTimeSeconds() / 30);
        if (BitConverter.IsLittleEndian) Array.Reverse(bytes);
#pragma warning disable CA5350 // RFC 6238 authenticators use SHA-1; this mirrors them
        var hash = HMACSHA1.HashData(key, bytes);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var code = ((hash[offset] & 0x7f) << 24 | hash[offset + 1] << 16 | hash[offset + 2] << 8 | hash[offset + 3]) % 1_000_000;
        return code.ToString("D6", CultureInfo.InvariantCulture);
    }

    /// <summary>The code now on the app's clock.</summary>
    public static string Code(string base32Key, FakeTimeProvider clock) => Code(base32Key, clock.GetUtcNow());

    /// <summary>Waits (moves the clock) for the app's next code, as a person does after using one, and returns it.</summary>
    public static string NextCode(string base32Key, FakeTimeProvider clock)
    {
        clock.Advance(TimeSpan.FromSeconds(30));
        return Code(base32Key, clock);
    }

    /// <summary>Turns two-factor sign-in on for the signed-in <paramref name="client"/>, confirming with the code now; the account's key.</summary>
    public static async Task<string> TurnOnAsync(HttpClient client, FakeTimeProvider clock)
    {
        var (_, setup) = await client.GetPageAsync("/admin/account/two-factor");
        var key = setup.QuerySelector("#shared-key")!.TextContent.Replace(" ", "", StringComparison.Ordinal);
        var enabled = await client.SubmitAsync("/admin/account/two-factor", new() { ["Code"] = Code(key, clock) });
        Assert.Contains("recovery-codes", await enabled.Content.ReadAsStringAsync());
        return key;
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
