using System.Net;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace Broadsheet.Pipeline;

/// <summary>
/// The proxies whose forwarded headers are believed. Behind a TLS proxy every connection comes from the proxy,
/// so the forwarded-headers middleware (first in the pipeline) takes the client's address from
/// <c>X-Forwarded-For</c> and the scheme from <c>X-Forwarded-Proto</c> — only when the connection comes from a
/// proxy named in <c>Proxy:KnownProxies</c> or <c>Proxy:KnownNetworks</c> (loopback when neither is set), and
/// walking the chain from the right only while each hop is one of them, so a client cannot name itself by
/// sending the header. The Host header is never taken from a proxy header. The same rules hold when the
/// framework's own switch (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>, which would trust every sender) is on.
/// Everything after reads the result through <see cref="ClientAddress"/>.
/// </summary>
public static class TrustedProxies
{
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        // A wrong entry stops the start with the setting named, rather than silently trusting nobody.
        var proxies = List(configuration.GetSection("Proxy:KnownProxies"))
            .Select(p => IPAddress.TryParse(p, out var proxy) ? proxy : throw new SettingException($"Proxy:KnownProxies: '{p}' is not an IP address."))
            .ToList();
        var networks = List(configuration.GetSection("Proxy:KnownNetworks"))
            .Select(n => IPNetwork.TryParse(n, out var network) ? network : throw new SettingException($"Proxy:KnownNetworks: '{n}' is not an address range such as 10.0.0.0/8."))
            .ToList();
        // PostConfigure, so that this wins over the options the framework's env-var switch sets
        // (it clears the known proxies and networks, trusting anyone's X-Forwarded-For).
        services.PostConfigure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Any number of hops, each trusted in turn; the first untrusted one is the client.
            o.ForwardLimit = null;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the obsolete list too, whatever the framework still keeps in it
            o.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            // None named: loopback only (nginx on the same machine), written out rather than left to the framework's
            // default, because the env-var switch has already emptied it and an empty list trusts every sender.
            if (proxies.Count == 0 && networks.Count == 0)
            {
                o.KnownIPNetworks.Add(new IPNetwork(IPAddress.Loopback, 8));
                o.KnownProxies.Add(IPAddress.IPv6Loopback);
            }
            foreach (var proxy in proxies) o.KnownProxies.Add(proxy);
            foreach (var network in networks) o.KnownIPNetworks.Add(network);
        });
        return services;
    }

    /// <summary>A list setting given either as a configuration array or as one comma- or space-separated value (easier in an environment variable).</summary>
    private static IEnumerable<string> List(IConfigurationSection section) =>
        (section.Value is { } single ? [single] : section.GetChildren().Select(c => c.Value ?? ""))
            .SelectMany(v => v.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
