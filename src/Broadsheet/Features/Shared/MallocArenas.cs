using System.Runtime.InteropServices;

namespace Broadsheet.Features.Shared;

/// <summary>
/// Caps glibc's malloc arenas at <see cref="Cap"/> for the process, as <c>MALLOC_ARENA_MAX</c> would, unless the
/// environment sets that itself (glibc has then read it, and it wins).
/// <para>
/// glibc gives each thread that contends for the heap an arena of its own, up to eight per core, and keeps what
/// is freed in it. In an idle server the thread that does .NET's tiered re-compilation starts a few seconds after
/// start, takes a fresh arena for the JIT's working memory and leaves it behind: resident memory rose by ~10 MB in
/// the first seconds of an idle site (145 → 156 MB, all of it anonymous memory), on the old code as on the new.
/// Two arenas keep that reuse of freed memory within the ones already touched (145 → 146 MB), and two cores'
/// worth is what this app's native allocations (SQLite's page caches, the JIT, ICU) ever contend on here.
/// Done first thing in <c>Main</c>, before the host starts its threads: a thread keeps the arena it first took.
/// On other C libraries (musl) and systems nothing happens.
/// </para>
/// </summary>
internal static partial class MallocArenas
{
    /// <summary>Two: enough that a second busy thread does not wait on the first's heap lock.</summary>
    public const int Cap = 2;

    /// <summary>glibc's <c>M_ARENA_MAX</c> option of <c>mallopt</c>.</summary>
    private const int ArenaMax = -8;

    public static void Limit()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null) return;
        try
        {
            _ = MallOpt(ArenaMax, Cap);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: its allocator has no such arenas, or no such option.
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int parameter, int value);
}
