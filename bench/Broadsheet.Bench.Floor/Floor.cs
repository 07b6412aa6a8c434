using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Bench.Floor;

public sealed record FloorVariant(bool FromDatabase);

public sealed class FloorPost
{
    public int Id { get; set; }
    public string Title { get; set; } = "";
    public string Body { get; set; } = "";
    public DateTime PublishedAt { get; set; }
}

public sealed class FloorDb(DbContextOptions<FloorDb> options) : DbContext(options)
{
    public DbSet<FloorPost> Posts => Set<FloorPost>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<FloorPost>().HasIndex(p => p.PublishedAt);
}

internal static class Sample
{
    public static string Body(int i) =>
        $"<p>The coalition met on the {i % 28 + 1}th to plan the march. " +
        string.Concat(Enumerable.Repeat("Speakers from the unions, the churches and the student groups agreed the route and the stewards. ", 12)) + "</p>";
}
