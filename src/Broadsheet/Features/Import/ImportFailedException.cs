namespace Broadsheet.Features.Import;

/// <summary>
/// An import file that cannot be imported: it names the file, the line (when known) and the problem
/// in words a site owner can act on. Nothing has been written when this is thrown.
/// </summary>
public sealed class ImportFailedException(string fileName, int? line, string problem, Exception? inner = null)
    : Exception(Describe(fileName, line, problem), inner)
{
    public string FileName { get; } = fileName;
    public int? Line { get; } = line;
    public string Problem { get; } = problem;

    private static string Describe(string fileName, int? line, string problem) =>
        line is { } l and > 0 ? $"{fileName}, line {l}: {problem}" : $"{fileName}: {problem}";
}
