using System.Net;
using IPNetwork = System.Net.IPNetwork;

namespace Broadsheet.Features.Shared;

/// <summary>
/// Who a request comes from, the one way every per-address rule reads it. Behind a TLS proxy every
/// connection comes from the proxy; the pipeline's first step (<see cref="Pipeline.TrustedProxies"/>) has
/// already put the client's own address there, taken from <c>X-Forwarded-For</c> through trusted proxies only.
/// </summary>
public static class ClientAddress
{
    /// <summary>The client's address (IPv4-mapped IPv6 as IPv4); null when the server knows none (a Unix socket).</summary>
    public static IPAddress? Of(HttpContext context) =>
        context.Connection.RemoteIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : context.Connection.RemoteIpAddress;

    /// <summary>
    /// The key per-address limits count under: an IPv4 address as it is, an IPv6 address by its /64, since
    /// one household or server is given a whole /64 and could otherwise take a fresh address for every try.
    /// </summary>
    public static string KeyOf(HttpContext context) => KeyOf(Of(context));

    public static string KeyOf(IPAddress? address) => address switch
    {
        null => "unknown",
        { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } v6 => new IPNetwork(v6, 64).BaseAddress + "/64",
        _ => address.ToString(),
    };
}
