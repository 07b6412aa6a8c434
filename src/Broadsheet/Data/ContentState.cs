namespace Broadsheet.Data;

/// <summary>
/// One row whose <see cref="Version"/> goes up whenever public content changes. Every web node
/// polls it (see <see cref="ContentChanges"/>) so output caches are evicted on all nodes, not only
/// on the one that took the edit.
/// </summary>
public sealed class ContentState
{
    public const int SingletonId = 1;
    public int Id { get; set; } = SingletonId;
    public long Version { get; set; }
    public DateTime ChangedAt { get; set; }
}

internal sealed class ContentStateConfiguration : Microsoft.EntityFrameworkCore.IEntityTypeConfiguration<ContentState>
{
    public void Configure(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<ContentState> state)
    {
        state.Property(s => s.Id).ValueGeneratedNever();
        state.Property(s => s.Version).IsConcurrencyToken();
    }
}
