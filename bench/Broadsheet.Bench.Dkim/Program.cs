// DKIM signing benchmark: the CPU one issue message costs to build and to sign, printing `metric value unit` lines.
//
//   bench/dkim-sign.sh [--messages 2000]
//
// One newsletter issue (a few paragraphs, a list, a quote, links) on a fresh SQLite site, prepared once through
// IssueMessages.PrepareAsync as the engine does per batch, then for each of N recipients: Build alone; Build + Sign
// through MessageSigning (.NET's RSA, OpenSSL); and Build + Sign through MimeKit's own DkimSigner over the same key
// (BouncyCastle's managed RSA), the reference. Each line is process CPU time per message, single-threaded, after a
// warm-up, so other processes' load does not inflate it.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Broadsheet.Data;
using Broadsheet.Email;
using Broadsheet.Features.Newsletters;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Subscribers;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;

var count = args.SkipWhile(a => a != "--messages").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(2000);
var data = Directory.CreateTempSubdirectory("broadsheet-bench-dkim-").FullName;
try
{
    var app = global::Broadsheet.Program.BuildApp([
        $"--{DataDirectory.ConfigurationKey}={data}", "--Broadsheet:DemoContent=false", "--Site:BaseUrl=https://campaign.example.org",
        "--Logging:LogLevel:Default=Warning",
    ]);
    await DatabaseSetup.MigrateAsync(app.Services);
    await using var scope = app.Services.CreateAsyncScope();
    var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
    var newsletter = new Newsletter { Slug = "weekly", Name = "Weekly News", FromName = "Campaign", FromAddress = "news@campaign.example.org", CreatedAt = DateTime.UtcNow };
    db.Newsletters.Add(newsletter);
    var key = DkimKeys.Generate("campaign.example.org", "bench", DateTime.UtcNow);
    db.DkimKeys.Add(key);
    await db.SaveChangesAsync();
    var body = new StringBuilder();
    for (var i = 0; i < 12; i++)
        body.Append("The council votes on the river plan next **Tuesday**, and [our response](/2026/03/river-plan) sets out why the plan ")
            .Append("falls short: it leaves the weir in place, it puts off the new sewage works for ten years and it says nothing about the ")
            .Append("farms upstream. Write to your councillor before then; every letter is read out at the meeting.\n\n");
    body.Append("- Write to your councillor\n- Come to the vigil at 6pm\n\n> Clean water is not a luxury.\n");
    var issue = await scope.ServiceProvider.GetRequiredService<NewsletterIssues>().CreateAsync(new NewIssue(newsletter.Id, "The river plan vote", body.ToString()), PostActor.Site);
    var messages = app.Services.GetRequiredService<IssueMessages>();
    var prepared = await messages.PrepareAsync(db, issue.Issue!.Id);
    var signing = app.Services.GetRequiredService<MessageSigning>();
    await signing.LoadAsync(db);
    var bouncyCastle = new DkimSigner(new MemoryStream(Encoding.ASCII.GetBytes(key.PrivateKeyPem)), key.Domain, key.Selector)
    {
        HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
    };
    var secret = SubscriberLinks.NewLinkSecret();
    MimeMessage Make(int i) => messages.Build(prepared, new IssueRecipient(i, i, $"reader{i}@example.net", i % 3 == 0 ? null : $"Reader {i}", secret));
    void BouncyCastleSign(MimeMessage m)
    {
        m.Prepare(EncodingConstraint.SevenBit);
        bouncyCastle.Sign(m, MessageSigning.SignedHeaders);
    }

    using var sink = new MemoryStream();
    double Measure(Action<MimeMessage>? sign)
    {
        for (var i = 0; i < Math.Min(200, count); i++) { var m = Make(i); sign?.Invoke(m); }
        GC.Collect();
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < count; i++)
        {
            var m = Make(i);
            sign?.Invoke(m);
            sink.SetLength(0);
            m.WriteTo(sink); // as the SMTP client will: a signature is only correct once written
        }
        return (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMicroseconds / count;
    }

    // The RSA step alone, both ways, over one SHA-256 hash: what the two signers differ in.
    double MeasureRsa(Action sign)
    {
        for (var i = 0; i < 50; i++) sign();
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        var n = Math.Max(100, count / 4);
        for (var i = 0; i < n; i++) sign();
        return (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMicroseconds / n;
    }
    using var rsa = System.Security.Cryptography.RSA.Create();
    rsa.ImportFromPem(key.PrivateKeyPem);
    var hash = System.Security.Cryptography.SHA256.HashData("headers"u8);
    var rsaDotnet = MeasureRsa(() => rsa.SignHash(hash, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1));
    var bcKey = (Org.BouncyCastle.Crypto.AsymmetricKeyParameter)new Org.BouncyCastle.OpenSsl.PemReader(new StringReader(key.PrivateKeyPem)).ReadObject();
    var rsaBouncyCastle = MeasureRsa(() =>
    {
        var signer = new Org.BouncyCastle.Crypto.Signers.RsaDigestSigner(new Org.BouncyCastle.Crypto.Digests.Sha256Digest());
        signer.Init(true, bcKey);
        signer.BlockUpdate("headers"u8);
        signer.GenerateSignature();
    });

    var build = Measure(null);
    var dotnet = Measure(signing.Sign);
    var reference = Measure(BouncyCastleSign);
    Console.WriteLine(FormattableString.Invariant($"dkim_message_bytes {sink.Length} bytes"));
    Console.WriteLine(FormattableString.Invariant($"dkim_build_write_cpu_us {build:F0} us"));
    Console.WriteLine(FormattableString.Invariant($"dkim_build_sign_dotnet_rsa_cpu_us {dotnet:F0} us"));
    Console.WriteLine(FormattableString.Invariant($"reference_build_sign_mimekit_bouncycastle_cpu_us {reference:F0} us"));
    Console.WriteLine(FormattableString.Invariant($"rsa2048_sign_dotnet_cpu_us {rsaDotnet:F0} us"));
    Console.WriteLine(FormattableString.Invariant($"reference_rsa2048_sign_bouncycastle_cpu_us {rsaBouncyCastle:F0} us"));
    Console.WriteLine(FormattableString.Invariant($"dkim_sign_speedup {(reference - build) / (dotnet - build):F1} x"));
    await app.DisposeAsync();
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(data, recursive: true);
}
