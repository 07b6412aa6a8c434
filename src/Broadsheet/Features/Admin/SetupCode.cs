using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Broadsheet.Features.Accounts;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Broadsheet.Features.Admin;

/// <summary>
/// The one-time code that /admin/setup asks for when the server can be reached from other machines, so
/// that whoever finds a fresh site first on the network cannot make themselves its Owner. A server that
/// listens on loopback only (localhost, 127.0.0.1, ::1) asks for none: whoever reaches it is on the machine
/// already (or comes through an SSH tunnel or a proxy on it).
/// <para>
/// At start, while the site has no account, every node prints the code to its log. It is derived from the
/// data protection key ring that all nodes share in the database (an HMAC keyed by a key's own secret
/// material), so the code one node prints works on whichever node the browser reaches, and nothing about it is
/// stored: the database has no table for such a value, and a migration for it was not this change's to make.
/// Every key that is not revoked gives a valid code (two nodes that made a key each at the same first start
/// printed different ones; both work). The code is used up with the page itself: once an account exists the
/// page is a 404. Wrong codes count against the client address's <c>setup-code</c> budget.
/// </para>
/// </summary>
public sealed class SetupCode(IServer server, IKeyManager keys, IDataProtectionProvider protection, IServiceScopeFactory scopes, ILogger<SetupCode> logger)
    : IHostedLifecycleService
{
    /// <summary>Crockford's base32 digits without 0, 1, I and O, which are misread.</summary>
    private const string Digits = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

    /// <summary>Wrong codes allowed per client address, in a fixed window (<see cref="AddressLimits"/>).</summary>
    public static readonly AddressBudget Budget = new("setup-code", 10, TimeSpan.FromMinutes(15));

    /// <summary>The addresses that are not loopback, as Kestrel reported them at start; empty when no code is needed.</summary>
    public IReadOnlyList<string> ReachableAt { get; private set; } = [];

    public bool Required => ReachableAt.Count > 0;

    /// <summary>After the server has bound its addresses: whether a code is needed, and if so, log it while the site has no account.</summary>
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        // An in-process test server has no addresses: nothing outside the process reaches it.
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        ReachableAt = addresses.Where(a => !IsLoopback(a)).ToList();
        if (!Required) return;
        await using var scope = scopes.CreateAsyncScope();
        if (await scope.ServiceProvider.GetRequiredService<AccountService>().AnyUserAsync(cancellationToken)) return;
        if (Current() is { } code) logger.SetupCodeNeeded(Format(code), string.Join(", ", ReachableAt));
        else logger.NoSetupCode(string.Join(", ", ReachableAt));
    }

    /// <summary>Whether <paramref name="given"/> is the code (any case, dashes and spaces ignored), compared in constant time.</summary>
    public bool Matches(string? given)
    {
        var typed = Encoding.ASCII.GetBytes(new string((given ?? "").Where(c => c != '-' && !char.IsWhiteSpace(c)).Select(char.ToUpperInvariant).ToArray()));
        var matched = false;
        foreach (var code in Codes())
            matched |= CryptographicOperations.FixedTimeEquals(typed, Encoding.ASCII.GetBytes(code));
        return matched;
    }

    internal static bool IsLoopback(string address)
    {
        // Kestrel reports what it bound: "http://127.0.0.1:5000", "http://localhost:5000", "http://[::]:8080",
        // "http://0.0.0.0:80"; a wildcard as "+" or "*" is no URI host, so it falls to "not loopback".
        if (!Uri.TryCreate(address.Replace("://+", "://any", StringComparison.Ordinal).Replace("://*", "://any", StringComparison.Ordinal), UriKind.Absolute, out var uri)) return false;
        if (uri.IsLoopback) return true;
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary>The code the log shows: from the oldest key that is not revoked (made now if there is none); null if no key can be read.</summary>
    private string? Current()
    {
        // Protecting something makes the key ring's first key when the database has none yet.
        if (!ActiveKeys().Any()) protection.CreateProtector("Broadsheet.SetupCode").Protect([0]);
        return Codes().FirstOrDefault();
    }

    private IEnumerable<IKey> ActiveKeys() =>
        keys.GetAllKeys().Where(k => !k.IsRevoked).OrderBy(k => k.CreationDate).ThenBy(k => k.KeyId);

    private IEnumerable<string> Codes() => ActiveKeys().Select(CodeOf).OfType<string>();

    private static string? CodeOf(IKey key)
    {
        try
        {
            // The key's own secret (its master key, in the descriptor's XML) keys the HMAC; nothing data
            // protection sends to browsers shows it (protected payloads carry key ids only).
            var material = Encoding.UTF8.GetBytes(key.Descriptor.ExportToXml().SerializedDescriptorElement.ToString(SaveOptions.DisableFormatting));
            var mac = HMACSHA256.HashData(SHA256.HashData(material), Encoding.UTF8.GetBytes("Broadsheet setup code " + key.KeyId.ToString("D")));
            return new string(mac.Take(8).Select(b => Digits[b % Digits.Length]).ToArray());
        }
        catch (CryptographicException)
        {
            return null; // a key this node cannot read (encrypted to a certificate it lacks) gives no code here
        }
    }

    private static string Format(string code) => code[..4] + "-" + code[4..];

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class SetupCodeSetup
{
    /// <summary>The setup code for /admin/setup off loopback (see <see cref="SetupCode"/>).</summary>
    public static IServiceCollection AddSetupCode(this IServiceCollection services)
    {
        services.AddSingleton<SetupCode>();
        services.AddHostedService(sp => sp.GetRequiredService<SetupCode>());
        return services;
    }
}

/// <summary>The log lines above, source-generated (CA1848).</summary>
internal static partial class SetupCodeLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Setup code: {Code} (needed at /admin/setup to make the Owner account, because this server listens on {Addresses})")]
    public static partial void SetupCodeNeeded(this ILogger logger, string code, string addresses);

    [LoggerMessage(Level = LogLevel.Error, Message = "No setup code: this node cannot read the data protection keys, so /admin/setup cannot be used on it although it listens on {Addresses}. Make the Owner with: broadsheet user add EMAIL --role owner")]
    public static partial void NoSetupCode(this ILogger logger, string addresses);
}
