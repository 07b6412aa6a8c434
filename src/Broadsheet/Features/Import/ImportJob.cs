using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Broadsheet.Features.Import;

/// <summary>Where an import started from the admin is in its life.</summary>
public enum ImportJobStatus
{
    Queued = 0,
    Running = 1,
    Succeeded = 2,
    Failed = 3,
}

/// <summary>What an uploaded file is.</summary>
public enum ImportJobFormat
{
    Blogger = 0,
    WordPress = 1,
    JsonBackup = 2,

    /// <summary>A CSV of subscribers for one newsletter (<see cref="Subscribers.SubscriberImport"/>); not a content import.</summary>
    SubscribersCsv = 3,
}

/// <summary>
/// An import uploaded in the admin. The uploaded file and the job's state live in the database, so
/// whichever web node's worker claims the job can read the file, and any node can show its progress
/// and summary. The file's bytes are dropped once the job has finished.
/// </summary>
public sealed class ImportJob
{
    public int Id { get; set; }
    public ImportJobFormat Format { get; set; }
    public ImportJobStatus Status { get; set; }
    public required string FileName { get; set; }
    public long FileSize { get; set; }

    /// <summary>The uploaded file, until the job has finished.</summary>
    public byte[]? File { get; set; }

    /// <summary>The account that uploaded it.</summary>
    public string? UploadedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }

    /// <summary>Progress while running: bytes of the file read, items written (updated every second or so).</summary>
    public long BytesRead { get; set; }
    public int Items { get; set; }

    /// <summary>The <see cref="ImportSummary"/> as JSON, once the job succeeded.</summary>
    public string? SummaryJson { get; set; }

    /// <summary>Why the job failed (file, line and problem), in words for the site owner.</summary>
    public string? Error { get; set; }
}

internal sealed class ImportJobConfiguration : IEntityTypeConfiguration<ImportJob>
{
    public void Configure(EntityTypeBuilder<ImportJob> job)
    {
        job.Property(j => j.FileName).HasMaxLength(300);
        job.Property(j => j.UploadedBy).HasMaxLength(450);
        job.Property(j => j.Error).HasMaxLength(4000);
        job.HasIndex(j => j.Status);
    }
}
