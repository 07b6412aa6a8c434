// The floor under bench/site.sh's idle_rss_mb: one page of 20 posts, the home page's shape, served by the
// parts Broadsheet is built from and nothing else of Broadsheet. Two variants:
//   broadsheet-floor razor        --data DIR --urls URL   the 20 posts come from memory: Razor Pages alone
//   broadsheet-floor razor-efcore --data DIR --urls URL   the 20 posts come from SQLite through EF Core
//   broadsheet-floor seed         --data DIR              creates DIR/floor.db with 200 posts, then exits
// Both serve variants end their start the way Broadsheet's StartupMemoryRelease does (one compacting
// collection that returns memory), so the difference from Broadsheet is what Broadsheet itself adds.
using System.Globalization;
using Broadsheet.Bench.Floor;
using Microsoft.EntityFrameworkCore;

var variant = args.Length > 0 ? args[0] : "";
if (variant is not ("razor" or "razor-efcore" or "seed"))
{
    Console.Error.WriteLine("usage: broadsheet-floor razor|razor-efcore|seed --data DIR [--urls URL]");
    return 2;
}
var dataIndex = Array.IndexOf(args, "--data");
var data = dataIndex > 0 && dataIndex + 1 < args.Length ? args[dataIndex + 1] : "data";
Directory.CreateDirectory(data);
var connectionString = "Data Source=" + Path.Combine(data, "floor.db");

if (variant == "seed")
{
    var options = new DbContextOptionsBuilder<FloorDb>().UseSqlite(connectionString).Options;
    using var db = new FloorDb(options);
    db.Database.EnsureDeleted();
    db.Database.EnsureCreated();
    for (var i = 0; i < 200; i++)
        db.Posts.Add(new FloorPost { Title = $"Post number {i}", Body = Sample.Body(i), PublishedAt = new DateTime(2015, 10, 25, 12, 0, 0, DateTimeKind.Utc).AddHours(-7 * i) });
    db.SaveChanges();
    return 0;
}

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.GetCultureInfo("en-GB");
var builder = WebApplication.CreateSlimBuilder(args.Skip(1).Where((_, i) => i != dataIndex - 1 && i != dataIndex).ToArray());
builder.Services.AddRazorPages();
builder.Services.AddSingleton(new FloorVariant(FromDatabase: variant == "razor-efcore"));
if (variant == "razor-efcore") builder.Services.AddDbContextPool<FloorDb>(o => o.UseSqlite(connectionString));
var app = builder.Build();
app.MapRazorPages();
app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(async () =>
{
    await Task.Delay(500).ConfigureAwait(false);
    System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
    GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
}));
await app.RunAsync().ConfigureAwait(false);
return 0;
