using System.Net;
using Broadsheet.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.BrowserTests.Infrastructure;

/// <summary>
/// A browser needs a real socket: the test app (the same <see cref="BroadsheetFactory"/> as the HTTP
/// suite) is served by Kestrel on 127.0.0.1 with a port the system picks.
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
