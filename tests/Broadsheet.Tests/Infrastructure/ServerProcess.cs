using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>
/// The built <c>broadsheet</c> executable as a real process, as an operator or a container runs it: its
/// settings come from the environment (<c>Database__Provider</c>, <c>ConnectionStrings__Broadsheet</c>, …),
/// its output is collected, and it is killed (with its children) when disposed.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServerProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The configuration these tests were built in (…/bin/Debug/net10.0/), which src/Broadsheet was built in too.</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    /// <summary>src/Broadsheet, the project folder.</summary>
    public static string AppProject()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Broadsheet.slnx"))) root = root.Parent;
        Assert.NotNull(root);
        return Path.Combine(root.FullName, "src", "Broadsheet");
    }

    /// <summary>src/Broadsheet's own build output, in the configuration these tests were built in.</summary>
    public static string AppDll()
    {
        var dll = Path.Combine(AppProject(), "bin", Configuration, new DirectoryInfo(AppContext.BaseDirectory).Name, "broadsheet.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        return dll;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <c>broadsheet serve</c> on <see cref="Port"/> with a data folder of its own and only the given settings.</summary>
    public static ServerProcess Serve(IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var data = Directory.CreateTempSubdirectory("broadsheet-node-").FullName;
        var start = new ProcessStartInfo("dotnet", [AppDll(), "serve", "--data", data, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        // Whatever this shell has set must not reach the node: only what the test gives it.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Database__", StringComparison.Ordinal) || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        return new ServerProcess(Process.Start(start)!) { Port = port, DataDirectory = data };
    }

    public int Port { get; private init; }

    public string DataDirectory { get; private init; } = "";

    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public HttpClient Client() => new() { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>Waits until <paramref name="path"/> answers 200; fails with the node's output if it exits or the time runs out.</summary>
    public async Task WaitUntilServingAsync(string path, TimeSpan within)
    {
        using var client = Client();
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            Assert.False(process.HasExited, $"the node exited ({(process.HasExited ? process.ExitCode : 0)}): {Output}");
            try
            {
                if ((await client.GetAsync(path)).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            Assert.True(DateTime.UtcNow < deadline, $"the node did not answer {path} in {within.TotalSeconds} s: {Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>Waits for the node to exit by itself; fails (and kills it) if it does not within <paramref name="within"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the node did not exit in {within.TotalSeconds} s: {Output}");
        }
        // The asynchronous readers may still hold the last lines; this overload waits for them.
        process.WaitForExit();
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        process.Dispose();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
