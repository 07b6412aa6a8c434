using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>
/// A browser needs a real socket, and so does a probe that must reach the app as an attacker's client
/// would (its own Host header, a replayed cookie): the test app (the same <see cref="BroadsheetFactory"/>
/// as the HTTP suite) is served by Kestrel on 127.0.0.1 with a port the system picks.
/// </summary>
public static class LoopbackServer
{
    /// <summary>Starts the app on a free loopback port and returns its base address.</summary>
    public static Uri StartOnLoopback<TEntryPoint>(this WebApplicationFactory<TEntryPoint> app) where TEntryPoint : class
    {
        app.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        app.StartServer();
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        return new Uri(addresses.Single());
    }
}
