using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Broadsheet.Tests.Infrastructure;

/// <summary>
/// What a receiving mail server thinks of a message, asked of the tools receiving servers run: Debian's python3-dkim
/// (the <c>dkim</c> module behind dkimpy-milter) verifies the DKIM signature, and SpamAssassin scores it on its local
/// rules (<c>spamassassin -L -t</c>). Both are installed by .ci/run; a test skips, saying so, only where one is absent.
/// </summary>
public static partial class MailCheckers
{
    public const string Python = "/usr/bin/python3";
    public const string SpamAssassin = "/usr/bin/spamassassin";

    // The TXT record is given by the test (no DNS); the answer is "pass", or "fail" and what dkim logged.
    private const string DkimScript = """
        import sys, io, logging, dkim
        record = sys.argv[1].encode()
        log = io.StringIO()
        logger = logging.getLogger("dkim"); logger.addHandler(logging.StreamHandler(log)); logger.setLevel(logging.DEBUG)
        ok = dkim.verify(sys.stdin.buffer.read(), logger=logger, dnsfunc=lambda name, timeout=5: record)
        print("pass" if ok else "fail " + log.getvalue().replace("\n", " | "))
        """;

    private static readonly Lazy<bool> DkimInstalled = new(() => Runs(Python, "-c", "import dkim"));
    private static readonly Lazy<bool> SpamAssassinInstalled = new(() => File.Exists(SpamAssassin));

    public static void SkipUnlessDkim() =>
        Assert.SkipUnless(DkimInstalled.Value, $"DKIM checker is off: {Python} cannot import dkim (apt-get install python3-dkim; .ci/run does).");

    public static void SkipUnlessSpamAssassin() =>
        Assert.SkipUnless(SpamAssassinInstalled.Value, $"SpamAssassin checker is off: no {SpamAssassin} (apt-get install spamassassin; .ci/run does).");

    /// <summary>"pass", or "fail …" with python3-dkim's reasons, for <paramref name="message"/> (as sent: CRLF lines) against the given TXT record.</summary>
    public static async Task<string> DkimVerifyAsync(byte[] message, string txtRecord)
    {
        SkipUnlessDkim();
        var (code, stdout, stderr) = await RunAsync(Python, message, "-c", DkimScript, txtRecord);
        Assert.True(code == 0, "python3-dkim failed: " + stderr);
        return stdout.Trim();
    }

    /// <summary>SpamAssassin's score of <paramref name="message"/> on its local rules, and its report (the rules that hit).</summary>
    public static async Task<(double Score, string Report)> SpamScoreAsync(byte[] message)
    {
        SkipUnlessSpamAssassin();
        var (code, stdout, stderr) = await RunAsync(SpamAssassin, message, "-L", "-t");
        Assert.True(code is 0 or 1, $"spamassassin exited {code}: {stderr}");
        var status = StatusLine().Match(stdout);
        Assert.True(status.Success, "spamassassin wrote no X-Spam-Status: " + stdout[..Math.Min(stdout.Length, 2000)]);
        var report = stdout.IndexOf("Content analysis details:", StringComparison.Ordinal) is var at and >= 0 ? stdout[at..] : status.Value;
        return (double.Parse(status.Groups[1].Value, CultureInfo.InvariantCulture), report);
    }

    [GeneratedRegex(@"X-Spam-Status: \w+, score=(-?[0-9.]+)")]
    private static partial Regex StatusLine();

    private static bool Runs(string file, params string[] args)
    {
        if (!File.Exists(file)) return false;
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true });
        process!.WaitForExit(30_000);
        return process.ExitCode == 0;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, byte[] input, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(input);
        process.StandardInput.Close();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }
}
